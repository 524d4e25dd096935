//! A worker to supervise, whose `init` and `terminate` do what a test
//! asks, and a harness that reads what it reports. Shared by the
//! supervisor tests through `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genserver::ServerId;
use genserver::prelude::*;
use genserver::supervisor::{ChildInfo, ChildState};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::support::within;

pub const LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq)]
pub enum Event {
    Started(&'static str, ServerId),
    Terminated(&'static str, ExitReason),
}

/// How a worker's `init` and `terminate` behave.
#[derive(Clone)]
pub enum Mode {
    Run,
    Ignore,
    Fail,
    /// Starts this many times, then fails.
    FailAfter(Arc<AtomicUsize>, usize),
    /// `terminate` sleeps for an hour.
    SlowTerminate,
}

#[derive(Clone)]
pub struct Config {
    pub tag: &'static str,
    pub mode: Mode,
    pub events: UnboundedSender<Event>,
}

pub struct Worker {
    config: Config,
}

#[gen_server]
impl Worker {
    #[init]
    fn init(config: Config, ctx: &mut Context<Self>) -> Result<Option<Self>, String> {
        match &config.mode {
            Mode::Ignore => return Ok(None),
            Mode::Fail => return Err(format!("{} refused", config.tag)),
            Mode::FailAfter(starts, max) if starts.fetch_add(1, Ordering::SeqCst) >= *max => {
                return Err(format!("{} refused again", config.tag));
            }
            _ => {}
        }
        let _ = config.events.send(Event::Started(config.tag, ctx.id()));
        Ok(Some(Worker { config }))
    }

    #[call]
    pub fn tag(&self) -> &'static str {
        self.config.tag
    }

    #[cast]
    pub fn crash(&mut self) {
        panic!("{} crashed", self.config.tag);
    }

    #[cast]
    pub fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = self
            .config
            .events
            .send(Event::Terminated(self.config.tag, reason.clone()));
        if let Mode::SlowTerminate = self.config.mode {
            tokio::time::sleep(Duration::from_hours(1)).await;
        }
    }
}

pub struct Harness {
    pub events: UnboundedSender<Event>,
    pub receiver: UnboundedReceiver<Event>,
}

impl Harness {
    pub fn new() -> Self {
        let (events, receiver) = unbounded_channel();
        Self { events, receiver }
    }

    pub fn spec(&self, tag: &'static str, mode: Mode) -> ChildSpec {
        Worker::child_spec(Config {
            tag,
            mode,
            events: self.events.clone(),
        })
        .id(tag)
    }

    pub fn worker(&self, tag: &'static str) -> ChildSpec {
        self.spec(tag, Mode::Run)
    }

    pub async fn next(&mut self) -> Event {
        within(LIMIT, "an event", self.receiver.recv())
            .await
            .expect("an event")
    }

    /// The ids of the next `n` servers started, by tag.
    pub async fn started(&mut self, n: usize) -> Vec<(&'static str, ServerId)> {
        let mut started = Vec::new();
        while started.len() < n {
            if let Event::Started(tag, id) = self.next().await {
                started.push((tag, id));
            }
        }
        started
    }
}

pub async fn supervise(
    options: SupervisorOptions,
    children: Vec<ChildSpec>,
) -> ServerRef<Supervisor> {
    within(
        LIMIT,
        "the start of Supervisor",
        Supervisor::start(options, children),
    )
    .await
    .expect("the supervisor starts")
}

pub async fn child(supervisor: &ServerRef<Supervisor>, id: &str) -> ServerRef<Worker> {
    let children = supervisor.which_children().await.unwrap();
    let info = children
        .iter()
        .find(|info| &*info.id == id)
        .expect("a child");
    match &info.state {
        ChildState::Running(server) => server.clone().downcast().expect("a worker"),
        other => panic!("{id} is {other:?}"),
    }
}

pub fn states(children: &[ChildInfo]) -> Vec<(&str, &'static str)> {
    children
        .iter()
        .map(|info| {
            let state = match info.state {
                ChildState::Running(_) => "running",
                ChildState::Restarting => "restarting",
                ChildState::Undefined => "undefined",
            };
            (&*info.id, state)
        })
        .collect()
}
