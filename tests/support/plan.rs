//! A worker whose every start follows a plan (start, ignore, fail,
//! panic), and helpers over a `DynamicSupervisor`, as Elixir's
//! `dynamic_supervisor_test.exs` has them: shared by the dynamic supervisor
//! tests through `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

pub use genserver::DynamicSupervisorOptions as Options;
use genserver::supervisor::ChildState;
use genserver::{ChildError, ServerId, prelude::*};
pub use tokio::sync::mpsc::unbounded_channel;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::support::within;

pub const LIMIT: Duration = Duration::from_secs(5);
pub const SECOND: Duration = Duration::from_secs(1);
pub const SHUTDOWN: ExitReason = ExitReason::Shutdown;
pub const KILLED: ExitReason = ExitReason::Killed;

/// What one start of a [`Worker`] does in its `init`.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    /// `{:ok, pid}`.
    Start,
    /// `:ignore`.
    Ignore,
    /// `{:error, reason}`.
    Fail,
    /// `raise`.
    Panic,
}

pub use Outcome::{Fail, Ignore, Panic, Start};

/// A `terminate` call: which server, with which reason.
pub type Terminated = (ServerId, ExitReason);

/// How a [`Worker`] behaves: its `n`th start does `outcomes[n]` (the last one
/// for every later start), counted across restarts in `starts`, as Elixir's
/// `[:restart, value]` workers count them in the process dictionary. Its
/// `terminate` reports to `events`, then sleeps for `linger`.
#[derive(Clone, Debug)]
pub struct Plan {
    pub outcomes: Vec<Outcome>,
    pub starts: Arc<AtomicUsize>,
    pub linger: Duration,
    pub events: UnboundedSender<Terminated>,
}

/// A plan whose `terminate` calls go nowhere.
pub fn plan(outcomes: &[Outcome]) -> Plan {
    Plan {
        outcomes: outcomes.to_vec(),
        starts: Arc::default(),
        linger: Duration::ZERO,
        events: unbounded_channel().0,
    }
}

impl Plan {
    pub fn report_to(mut self, events: &UnboundedSender<Terminated>) -> Self {
        self.events = events.clone();
        self
    }

    /// How many times `init` has run.
    pub fn starts(&self) -> usize {
        self.starts.load(SeqCst)
    }

    /// The spec `#[gen_server]` generates: id `"Worker"`, permanent,
    /// started with `start_link`, 5 s to shut down.
    pub fn spec(&self) -> ChildSpec {
        Worker::child_spec(self.clone())
    }
}

pub struct Worker {
    plan: Plan,
    id: ServerId,
    start: usize,
}

#[gen_server]
impl Worker {
    #[init]
    fn init(plan: Plan, ctx: &mut Context<Self>) -> Result<Option<Self>, String> {
        let (start, id) = (plan.starts.fetch_add(1, SeqCst), ctx.id());
        match plan.outcomes[start.min(plan.outcomes.len() - 1)] {
            Start => Ok(Some(Worker { plan, id, start })),
            Ignore => Ok(None),
            Fail => Err(format!("refused start {start}")),
            Panic => panic!("init exploded"),
        }
    }

    /// Which start of its plan this server is: 0 for the first.
    #[call]
    pub fn start_number(&self) -> usize {
        self.start
    }

    #[cast]
    pub fn crash(&mut self) {
        panic!("boom");
    }

    #[cast]
    pub fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.plan.events.send((self.id, reason.clone()));
        tokio::time::sleep(self.plan.linger).await;
    }
}

pub type Sup = ServerRef<DynamicSupervisor>;

pub async fn supervisor(options: Options) -> Sup {
    let start = DynamicSupervisor::start(options);
    within(LIMIT, "the supervisor's start", start)
        .await
        .expect("the supervisor starts")
}

/// The answer of a call, which must come.
pub async fn ask<R>(call: impl Future<Output = Result<R, CallError>>) -> R {
    within(LIMIT, "the server's reply", call)
        .await
        .expect("the server answers")
}

/// `start_child/2`, which starts the child in the calling task.
pub async fn start_child(sup: &Sup, spec: ChildSpec) -> Result<AnyRef, ChildError> {
    within(LIMIT, "the reply to start_child", sup.start_child(spec)).await
}

pub async fn start(sup: &Sup, spec: ChildSpec) -> AnyRef {
    start_child(sup, spec).await.expect("the child starts")
}

/// `%{workers: .., active: ..}` of `count_children/1`.
pub async fn count(sup: &Sup) -> (usize, usize) {
    let count = ask(sup.count_children()).await;
    (count.workers, count.active)
}

/// The states of `which_children/1`, in its order.
pub async fn states(sup: &Sup) -> Vec<ChildState> {
    let children = ask(sup.which_children()).await;
    children.into_iter().map(|child| child.state).collect()
}

/// The running children.
pub async fn running(sup: &Sup) -> Vec<AnyRef> {
    let states = states(sup).await.into_iter();
    states
        .filter_map(|state| match state {
            ChildState::Running(child) => Some(child),
            _ => None,
        })
        .collect()
}

/// The only running child, typed.
pub async fn only_child(sup: &Sup) -> ServerRef<Worker> {
    let [child] = <[AnyRef; 1]>::try_from(running(sup).await).expect("one");
    child.downcast().expect("a worker")
}

/// `{:error, reason}` of `start_child` when a worker fails to start.
pub fn failed(reason: &str) -> Result<AnyRef, ChildError> {
    let (id, reason) = ("Worker".into(), reason.into());
    Err(ChildError::Start { id, reason })
}

/// Elixir's `assert_kill(pid, reason)`: `child` stops with `reason`; returns
/// once it is gone.
pub async fn assert_kill(child: &AnyRef, reason: ExitReason) {
    let worker = child.clone().downcast::<Worker>().expect("a worker");
    worker.quit(reason.clone()).expect("the child runs");
    assert_eq!(
        within(LIMIT, "the child's exit", child.exited()).await,
        reason
    );
}

/// Elixir's `assert_kill(sup, :shutdown)`: stops the supervisor with
/// `:shutdown`; gives each child's exit reason.
pub async fn shut_down(sup: &Sup, children: &[AnyRef]) -> Vec<ExitReason> {
    let stop = sup.stop_with(SHUTDOWN, LIMIT);
    within(LIMIT, "the supervisor to stop", stop)
        .await
        .expect("stops with :shutdown");
    let reasons = children.iter().map(AnyRef::exit_reason);
    reasons.map(|reason| reason.expect("stopped")).collect()
}

/// The `terminate` calls reported so far, sorted.
pub fn drain(events: &mut UnboundedReceiver<Terminated>) -> Vec<Terminated> {
    let mut terminated: Vec<_> = std::iter::from_fn(|| events.try_recv().ok()).collect();
    terminated.sort_by_key(|(id, _)| *id);
    terminated
}

/// `terminate` called once per child, with `:shutdown`.
pub fn each_shut_down(children: &[AnyRef]) -> Vec<Terminated> {
    children.iter().map(|c| (c.id(), SHUTDOWN)).collect()
}
