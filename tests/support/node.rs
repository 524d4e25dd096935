//! A server that links, monitors and traps exits as a test asks, and
//! reports what it sees: shared by the link and monitor tests through
//! `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use genserver::prelude::*;
use genserver::{AnyRef, Down, Exit, LinkError, MonitorRef, ServerId};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::support::within;

pub const LIMIT: Duration = Duration::from_secs(5);

/// What the test servers report.
#[derive(Debug, PartialEq)]
pub enum Event {
    Down(Down),
    Exit(ServerId, Exit),
    Terminated(ServerId, ExitReason),
}

pub struct Node {
    events: UnboundedSender<Event>,
    id: ServerId,
}

#[gen_server]
impl Node {
    #[init]
    fn init(trap: bool, events: UnboundedSender<Event>, ctx: &mut Context<Self>) -> Self {
        if trap {
            ctx.trap_exits(true);
        }
        Node {
            events,
            id: ctx.id(),
        }
    }

    /// Starts a child linked to this node.
    #[call]
    pub async fn spawn_child(&mut self, trap: bool) -> ServerRef<Node> {
        Node::start_link(trap, self.events.clone())
            .await
            .expect("the child starts")
    }

    /// Starts a child whose `init` fails, linked to this node.
    #[call]
    pub async fn spawn_failing(&mut self) -> String {
        match Failing::start_link().await {
            Ok(_) => "started".into(),
            Err(error) => error.to_string(),
        }
    }

    #[call]
    pub fn link_to(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> Result<(), LinkError> {
        ctx.link(&other)
    }

    #[call]
    pub fn unlink_from(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        ctx.unlink(&other);
    }

    #[call]
    pub fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&other)
    }

    #[call]
    pub fn unwatch(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    /// Stops `other`, waits until its down notice is in this node's mailbox,
    /// then demonitors: the notice must not be handled.
    #[call]
    pub async fn stop_then_unwatch(
        &mut self,
        other: AnyRef,
        monitor: MonitorRef,
        ctx: &mut Context<Self>,
    ) -> bool {
        other.stop().await.expect("stops");
        tokio::time::sleep(Duration::from_millis(20)).await;
        ctx.demonitor(monitor)
    }

    #[call]
    pub fn trap(&mut self, on: bool, ctx: &mut Context<Self>) {
        ctx.trap_exits(on);
    }

    #[call]
    pub fn parent(&mut self, ctx: &mut Context<Self>) -> Option<ServerId> {
        ctx.parent()
    }

    #[cast]
    pub fn crash(&mut self) {
        panic!("boom");
    }

    #[cast]
    pub fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[info]
    fn down(&mut self, down: Down) {
        let _ = self.events.send(Event::Down(down));
    }

    #[info]
    fn exit(&mut self, exit: Exit) {
        let _ = self.events.send(Event::Exit(self.id, exit));
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.events.send(Event::Terminated(self.id, reason.clone()));
    }
}

pub struct Failing;

#[gen_server]
impl Failing {
    #[init]
    fn init() -> Result<Self, String> {
        Err("no luck".into())
    }
}

pub async fn node(trap: bool) -> (ServerRef<Node>, UnboundedReceiver<Event>) {
    let (events, receiver) = unbounded_channel();
    (Node::start(trap, events).await.expect("starts"), receiver)
}

pub async fn next(events: &mut UnboundedReceiver<Event>) -> Event {
    within(LIMIT, "an event", events.recv())
        .await
        .expect("an event")
}

pub fn any(server: &ServerRef<Node>) -> AnyRef {
    AnyRef::from(server.clone())
}
