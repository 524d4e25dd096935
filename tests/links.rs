//! Links, monitors and trapping exits. Where a test ports a case of OTP's
//! `erts/emulator/test/monitor_SUITE.erl`, `erl_link_SUITE.erl` or
//! `process_SUITE.erl`, it names it; others follow `gen_server.erl` and
//! Elixir's `Process` docs.

mod support;

use std::time::Duration;

use genserver::prelude::*;
use genserver::{AnyRef, Down, Exit, LinkError, MonitorRef, ServerId, StopError};
use support::within;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

const LIMIT: Duration = Duration::from_secs(5);

/// What the test servers report.
#[derive(Debug, PartialEq)]
enum Event {
    Down(Down),
    Exit(ServerId, Exit),
    Terminated(ServerId, ExitReason),
}

struct Node {
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
    async fn spawn_child(&mut self, trap: bool) -> ServerRef<Node> {
        Node::start_link(trap, self.events.clone())
            .await
            .expect("the child starts")
    }

    /// Starts a child whose `init` fails, linked to this node.
    #[call]
    async fn spawn_failing(&mut self) -> String {
        match Failing::start_link().await {
            Ok(_) => "started".into(),
            Err(error) => error.to_string(),
        }
    }

    #[call]
    fn link_to(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> Result<(), LinkError> {
        ctx.link(&other)
    }

    #[call]
    fn unlink_from(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        ctx.unlink(&other);
    }

    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&other)
    }

    #[call]
    fn unwatch(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    /// Stops `other`, waits until its down notice is in this node's mailbox,
    /// then demonitors: the notice must not be handled.
    #[call]
    async fn stop_then_unwatch(
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
    fn trap(&mut self, on: bool, ctx: &mut Context<Self>) {
        ctx.trap_exits(on);
    }

    #[call]
    fn parent(&mut self, ctx: &mut Context<Self>) -> Option<ServerId> {
        ctx.parent()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("boom");
    }

    #[cast]
    fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
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

struct Failing;

#[gen_server]
impl Failing {
    #[init]
    fn init() -> Result<Self, String> {
        Err("no luck".into())
    }
}

async fn node(trap: bool) -> (ServerRef<Node>, UnboundedReceiver<Event>) {
    let (events, receiver) = unbounded_channel();
    (Node::start(trap, events).await.expect("starts"), receiver)
}

async fn next(events: &mut UnboundedReceiver<Event>) -> Event {
    within(LIMIT, events.recv()).await.expect("an event")
}

fn any(server: &ServerRef<Node>) -> AnyRef {
    AnyRef::from(server.clone())
}

// Monitors.

/// `monitor_SUITE:mon_1`: the down notice carries the reference,
/// the server and its reason.
#[tokio::test]
async fn monitor_delivers_down_with_the_exit_reason() {
    let (watcher, mut events) = node(false).await;
    let (target, _target_events) = node(false).await;
    let monitor = watcher.watch(any(&target)).await.unwrap();
    target.crash().unwrap();
    assert_eq!(
        next(&mut events).await,
        Event::Down(Down {
            monitor,
            id: target.id(),
            reason: ExitReason::Panic("boom".into()),
        })
        .with_reason_of(&target)
    );
    assert!(
        watcher.is_alive(),
        "a monitor does not take the watcher down"
    );
}

impl Event {
    /// The event as expected, with the target's actual panic message.
    fn with_reason_of(self, target: &ServerRef<Node>) -> Self {
        match self {
            Event::Down(mut down) => {
                down.reason = target.exit_reason().expect("stopped");
                Event::Down(down)
            }
            other => other,
        }
    }
}

/// `monitor_SUITE:otp_5827`: monitoring a server that is gone delivers the
/// notice at once, with `:noproc`.
#[tokio::test]
async fn monitor_of_a_dead_server_delivers_noproc_at_once() {
    let (watcher, mut events) = node(false).await;
    let (target, _target_events) = node(false).await;
    target.stop().await.unwrap();
    let monitor = watcher.watch(any(&target)).await.unwrap();
    let Event::Down(down) = next(&mut events).await else {
        panic!("a down notice")
    };
    assert_eq!((down.monitor, down.id), (monitor, target.id()));
    assert_eq!(down.reason, ExitReason::NoProc);
}

/// Two monitors, two notices; a normal stop is reported too.
#[tokio::test]
async fn each_monitor_gets_its_own_notice() {
    let (watcher, mut events) = node(false).await;
    let (target, _target_events) = node(false).await;
    let first = watcher.watch(any(&target)).await.unwrap();
    let second = watcher.watch(any(&target)).await.unwrap();
    assert_ne!(first, second);
    target.stop().await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let Event::Down(down) = next(&mut events).await else {
            panic!("a down notice")
        };
        assert_eq!(down.reason, ExitReason::Normal);
        seen.push(down.monitor);
    }
    seen.sort();
    assert_eq!(seen, [first, second]);
}

/// `monitor_SUITE:demonitor_flush`: after demonitor, no notice is handled,
/// even one already in the mailbox.
#[tokio::test]
async fn demonitor_drops_a_notice_already_queued() {
    let (watcher, mut events) = node(false).await;
    let (target, _target_events) = node(false).await;
    let (other, _other_events) = node(false).await;
    let monitor = watcher.watch(any(&target)).await.unwrap();
    let kept = watcher.watch(any(&other)).await.unwrap();
    assert!(
        watcher
            .stop_then_unwatch(any(&target), monitor)
            .await
            .unwrap()
    );
    assert!(!watcher.unwatch(monitor).await.unwrap(), "already removed");
    other.crash().unwrap();
    // The only notice is the other monitor's.
    let Event::Down(down) = next(&mut events).await else {
        panic!("a down notice")
    };
    assert_eq!(down.monitor, kept);
    assert!(events.try_recv().is_err());
}

/// `monitor_SUITE:demon_2`: a removed monitor never fires.
#[tokio::test]
async fn demonitor_before_the_exit_means_no_notice() {
    let (watcher, mut events) = node(false).await;
    let (target, _target_events) = node(false).await;
    let monitor = watcher.watch(any(&target)).await.unwrap();
    assert!(watcher.unwatch(monitor).await.unwrap());
    target.stop().await.unwrap();
    watcher.stop().await.unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Terminated(id, ExitReason::Normal) if id == watcher.id()
    ));
    assert!(events.try_recv().is_err());
}

/// Any task can wait on a monitor.
#[tokio::test]
async fn a_task_waits_on_a_monitor() {
    let (target, _events) = node(false).await;
    let monitor = target.monitor();
    assert_eq!(monitor.id(), target.id());
    let reference = monitor.reference();
    let waiter = tokio::spawn(monitor);
    target.crash().unwrap();
    let down = within(LIMIT, waiter).await.unwrap();
    assert_eq!((down.monitor, down.id), (reference, target.id()));
    assert_eq!(down.reason.panic_message(), Some("boom"));
    assert_eq!(
        within(LIMIT, AnyRef::from(target).monitor()).await.reason,
        ExitReason::NoProc
    );
}

/// A monitor does not keep its target running, nor does a watcher that
/// monitors it.
#[tokio::test]
async fn a_monitor_keeps_nothing_running() {
    let (watcher, _events) = node(false).await;
    let (target, _target_events) = node(false).await;
    watcher.watch(any(&target)).await.unwrap();
    let task_monitor = target.monitor();
    drop(target);
    let down = within(LIMIT, task_monitor).await;
    assert_eq!(down.reason, ExitReason::Normal);
}

// Links.

/// `erl_link_SUITE:links`: a child started with `start_link` dies with its
/// parent's reason, without `terminate`.
#[tokio::test]
async fn a_crash_spreads_to_the_linked_child() {
    let (parent, mut events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    assert_eq!(child.parent().await.unwrap(), Some(parent.id()));
    parent.crash().unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Terminated(id, ExitReason::Panic(_)) if id == parent.id()
    ));
    let reason = within(LIMIT, child.exited()).await;
    assert_eq!(reason.panic_message(), Some("boom"));
    assert!(
        events.try_recv().is_err(),
        "a server killed by an exit signal does not run terminate"
    );
}

/// And the other way: the child's crash takes its parent down.
#[tokio::test]
async fn a_crash_spreads_to_the_parent() {
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    child.quit(ExitReason::custom("broken")).unwrap();
    assert_eq!(
        within(LIMIT, parent.exited()).await,
        ExitReason::custom("broken")
    );
}

/// `process_SUITE:t_exit_2_other_normal`: `:normal` does not spread along links.
#[tokio::test]
async fn a_normal_exit_does_not_spread() {
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    child.stop().await.unwrap();
    assert!(parent.is_alive());
    assert_eq!(parent.parent().await.unwrap(), None);
    parent.stop().await.unwrap();
}

/// `{:shutdown, term}` is not `:normal`: it spreads.
#[tokio::test]
async fn a_shutdown_spreads() {
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    parent
        .stop_with(ExitReason::shutdown("closing"), LIMIT)
        .await
        .unwrap();
    assert_eq!(
        within(LIMIT, child.exited()).await,
        ExitReason::shutdown("closing")
    );
}

/// `process_SUITE:t_exit_2_other`: a server that traps exits gets a notice
/// instead of dying, whatever the reason.
#[tokio::test]
async fn a_server_that_traps_exits_gets_notices() {
    let (watcher, mut events) = node(true).await;
    for reason in [ExitReason::Normal, ExitReason::custom("bad")] {
        let (other, _other_events) = node(false).await;
        watcher.link_to(any(&other)).await.unwrap().unwrap();
        other.quit(reason.clone()).unwrap();
        assert_eq!(
            next(&mut events).await,
            Event::Exit(
                watcher.id(),
                Exit {
                    from: other.id(),
                    reason
                }
            )
        );
    }
    assert!(watcher.is_alive());
}

/// The parent rule of `gen_server.erl` (`{'EXIT', Parent, Reason}`): a child
/// that traps exits runs `terminate` with its parent's reason instead of
/// getting a notice.
#[tokio::test]
async fn a_trapping_child_stops_with_its_parent() {
    let (parent, mut events) = node(false).await;
    let child = parent.spawn_child(true).await.unwrap();
    parent.quit(ExitReason::Shutdown).unwrap();
    let mut terminated = Vec::new();
    for _ in 0..2 {
        let Event::Terminated(id, reason) = next(&mut events).await else {
            panic!("no notices: the parent's exit stops the child")
        };
        assert_eq!(reason, ExitReason::Shutdown);
        terminated.push(id);
    }
    terminated.sort();
    let mut expected = vec![parent.id(), child.id()];
    expected.sort();
    assert_eq!(terminated, expected);
}

/// The parent rule holds for `:normal` too, as in `gen_server`.
#[tokio::test]
async fn a_trapping_child_stops_with_its_parent_even_normally() {
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(true).await.unwrap();
    parent.stop().await.unwrap();
    assert_eq!(within(LIMIT, child.exited()).await, ExitReason::Normal);
}

/// Elixir `Process.exit/2`: a kill cannot be trapped, and what it spreads
/// (`:killed`) can.
#[tokio::test]
async fn a_kill_cannot_be_trapped() {
    let (watcher, mut events) = node(true).await;
    let (target, _target_events) = node(true).await;
    watcher.link_to(any(&target)).await.unwrap().unwrap();
    target.kill().await.unwrap();
    assert_eq!(target.exit_reason(), Some(ExitReason::Killed));
    assert_eq!(
        next(&mut events).await,
        Event::Exit(
            watcher.id(),
            Exit {
                from: target.id(),
                reason: ExitReason::Killed
            }
        )
    );
}

/// A cycle of links: one crash takes every server down once, and nothing
/// loops or hangs.
#[tokio::test]
async fn a_link_cycle_goes_down_together() {
    let mut nodes = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..4 {
        let (server, events) = node(false).await;
        nodes.push(server);
        receivers.push(events);
    }
    for index in 0..nodes.len() {
        let next = &nodes[(index + 1) % nodes.len()];
        nodes[index].link_to(any(next)).await.unwrap().unwrap();
    }
    nodes[2].quit(ExitReason::custom("cycle")).unwrap();
    for server in &nodes {
        assert_eq!(
            within(LIMIT, server.exited()).await,
            ExitReason::custom("cycle")
        );
    }
}

/// `erl_link_SUITE:otp_5772_link`: after `unlink`, an exit does not spread,
/// in either direction.
#[tokio::test]
async fn unlink_stops_the_spread() {
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    parent.unlink_from(any(&child)).await.unwrap();
    child.crash().unwrap();
    within(LIMIT, child.exited()).await;
    assert!(parent.is_alive());
    let other = parent.spawn_child(false).await.unwrap();
    parent.unlink_from(any(&other)).await.unwrap();
    parent.quit(ExitReason::custom("alone")).unwrap();
    within(LIMIT, parent.exited()).await;
    assert!(other.is_alive());
}

/// Linking to a server that is gone fails at once, and leaves no link.
#[tokio::test]
async fn linking_to_a_dead_server_is_noproc() {
    let (server, _events) = node(false).await;
    let (gone, _gone_events) = node(false).await;
    gone.stop().await.unwrap();
    assert_eq!(
        server.link_to(any(&gone)).await.unwrap(),
        Err(LinkError::NoProc)
    );
    // Linking to itself is a no-op.
    server.link_to(any(&server)).await.unwrap().unwrap();
    server.quit(ExitReason::custom("fine")).unwrap();
    within(LIMIT, server.exited()).await;
}

/// `supervisor_SUITE:sup_start_fail` (`proc_lib:init_fail`): a `start_link`
/// whose `init` fails returns the error and does not take the parent down.
#[tokio::test]
async fn a_failed_start_link_does_not_kill_the_parent() {
    let (parent, _events) = node(false).await;
    assert_eq!(
        parent.spawn_failing().await.unwrap(),
        "init failed: no luck"
    );
    assert!(parent.is_alive());
    assert_eq!(parent.parent().await.unwrap(), None);
}

/// Outside a server there is no parent: `start_link` is `start`.
#[tokio::test]
async fn start_link_outside_a_server_links_nothing() {
    let (events, _receiver) = unbounded_channel();
    let server = Node::start_link(false, events).await.unwrap();
    assert_eq!(server.parent().await.unwrap(), None);
    server.crash().unwrap();
    within(LIMIT, server.exited()).await;
}

/// Trapping can be switched off again: then the signal kills.
#[tokio::test]
async fn trapping_can_be_switched_off() {
    let (watcher, _events) = node(true).await;
    let (target, _target_events) = node(false).await;
    watcher.link_to(any(&target)).await.unwrap().unwrap();
    watcher.trap(false).await.unwrap();
    target.quit(ExitReason::custom("off")).unwrap();
    assert_eq!(
        within(LIMIT, watcher.exited()).await,
        ExitReason::custom("off")
    );
}

// The type-erased handle.

/// `AnyRef` answers for its server as `ServerRef` does, and stops it the
/// same ways.
#[tokio::test]
async fn any_ref_answers_and_stops_like_a_server_ref() {
    let name = support::unique_name("any");
    let (events, _receiver) = unbounded_channel();
    let named = Node::start_with(StartOptions::new().name(name.clone()), false, events)
        .await
        .unwrap();
    let any = AnyRef::from(named.clone());
    assert_eq!(any.name(), Some(name.as_str()));
    assert_eq!(any.clone(), any);
    let set: std::collections::HashSet<AnyRef> = [any.clone(), any.clone()].into();
    assert_eq!(set.len(), 1);
    assert!(set.contains(&AnyRef::from(named.clone())));
    assert!(format!("{any:?}").contains(&name));
    assert!(any.is_alive() && any.exit_reason().is_none());
    assert!(any.is::<Node>() && !any.is::<Failing>());
    let any = any.downcast::<Failing>().unwrap_err();
    assert_eq!(any.stop().await, Ok(()));
    assert!(!any.is_alive());
    assert_eq!(any.exit_reason(), Some(ExitReason::Normal));
    assert_eq!(any.stop().await, Err(StopError::NoProc));

    let (unnamed, _events) = node(false).await;
    let any = AnyRef::from(unnamed);
    assert_eq!(any.name(), None);
    assert!(!format!("{any:?}").contains("name"));
    let reason = ExitReason::shutdown("bye");
    assert_eq!(any.stop_with(reason.clone(), LIMIT).await, Ok(()));
    assert_eq!(within(LIMIT, any.exited()).await, reason);
    assert_eq!(any.stop_with(reason, LIMIT).await, Err(StopError::NoProc));

    let (victim, _events) = node(false).await;
    let any = AnyRef::from(victim);
    within(LIMIT, any.kill()).await.unwrap();
    assert_eq!(any.exit_reason(), Some(ExitReason::Killed));
}

/// Monitor references and monitors print what they are.
#[tokio::test]
async fn monitors_show_their_reference() {
    let (target, _events) = node(false).await;
    let monitor = target.monitor();
    let reference = monitor.reference();
    assert!(reference.to_string().starts_with("#Ref<0."));
    let shown = format!("{monitor:?}");
    assert!(shown.contains(&format!("{reference:?}")), "{shown}");
    assert!(shown.contains(&format!("{:?}", target.id())), "{shown}");
}
