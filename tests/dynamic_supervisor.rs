//! `DynamicSupervisor`: the cases of Elixir's
//! `lib/elixir/test/elixir/dynamic_supervisor_test.exs` that apply here, each
//! test naming the one it ports.
//!
//! Elixir's `assert_kill(pid, reason)` is [`assert_kill`] here: the child
//! stops with `reason` and the test waits until it is gone. The tests run on
//! tokio's current-thread runtime, where a child's exit notice is in its
//! supervisor's mailbox by the time the test sees the child gone, so a call
//! to the supervisor right after finds the exit handled, as in Elixir.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use genserver::supervisor::{ChildKind, ChildState};
use genserver::{ChildError, DynamicSupervisorOptions as Options, ServerId, prelude::*, whereis};
use support::{eventually, unique_name, within};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

const LIMIT: Duration = Duration::from_secs(5);
const SECOND: Duration = Duration::from_secs(1);
const SHUTDOWN: ExitReason = ExitReason::Shutdown;
const KILLED: ExitReason = ExitReason::Killed;

/// What one start of a [`Worker`] does in its `init`.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// `{:ok, pid}`.
    Start,
    /// `:ignore`.
    Ignore,
    /// `{:error, reason}`.
    Fail,
    /// `raise`.
    Panic,
}

use Outcome::{Fail, Ignore, Panic, Start};

/// A `terminate` call: which server, with which reason.
type Terminated = (ServerId, ExitReason);

/// How a [`Worker`] behaves: its `n`th start does `outcomes[n]` (the last one
/// for every later start), counted across restarts in `starts`, as Elixir's
/// `[:restart, value]` workers count them in the process dictionary. Its
/// `terminate` reports to `events`, then sleeps for `linger`.
#[derive(Clone, Debug)]
struct Plan {
    outcomes: Vec<Outcome>,
    starts: Arc<AtomicUsize>,
    linger: Duration,
    events: UnboundedSender<Terminated>,
}

/// A plan whose `terminate` calls go nowhere.
fn plan(outcomes: &[Outcome]) -> Plan {
    Plan {
        outcomes: outcomes.to_vec(),
        starts: Arc::default(),
        linger: Duration::ZERO,
        events: unbounded_channel().0,
    }
}

impl Plan {
    fn report_to(mut self, events: &UnboundedSender<Terminated>) -> Self {
        self.events = events.clone();
        self
    }

    /// How many times `init` has run.
    fn starts(&self) -> usize {
        self.starts.load(SeqCst)
    }

    /// The spec `#[gen_server]` generates: id `"Worker"`, permanent,
    /// started with `start_link`, 5 s to shut down.
    fn spec(&self) -> ChildSpec {
        Worker::child_spec(self.clone())
    }
}

struct Worker {
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
    fn start_number(&self) -> usize {
        self.start
    }

    #[cast]
    fn crash(&mut self) {
        panic!("boom");
    }

    #[cast]
    fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.plan.events.send((self.id, reason.clone()));
        tokio::time::sleep(self.plan.linger).await;
    }
}

type Sup = ServerRef<DynamicSupervisor>;

async fn supervisor(options: Options) -> Sup {
    let start = DynamicSupervisor::start(options);
    within(LIMIT, start).await.expect("the supervisor starts")
}

/// The answer of a call, which must come.
async fn ask<R>(call: impl Future<Output = Result<R, CallError>>) -> R {
    within(LIMIT, call).await.expect("the server answers")
}

/// `start_child/2`, which starts the child in the calling task.
async fn start_child(sup: &Sup, spec: ChildSpec) -> Result<AnyRef, ChildError> {
    within(LIMIT, sup.start_child(spec)).await
}

async fn start(sup: &Sup, spec: ChildSpec) -> AnyRef {
    start_child(sup, spec).await.expect("the child starts")
}

/// `%{workers: .., active: ..}` of `count_children/1`.
async fn count(sup: &Sup) -> (usize, usize) {
    let count = ask(sup.count_children()).await;
    (count.workers, count.active)
}

/// The states of `which_children/1`, in its order.
async fn states(sup: &Sup) -> Vec<ChildState> {
    let children = ask(sup.which_children()).await;
    children.into_iter().map(|child| child.state).collect()
}

/// The running children.
async fn running(sup: &Sup) -> Vec<AnyRef> {
    let states = states(sup).await.into_iter();
    states
        .filter_map(|state| match state {
            ChildState::Running(child) => Some(child),
            _ => None,
        })
        .collect()
}

/// The only running child, typed.
async fn only_child(sup: &Sup) -> ServerRef<Worker> {
    let [child] = <[AnyRef; 1]>::try_from(running(sup).await).expect("one");
    child.downcast().expect("a worker")
}

/// `{:error, reason}` of `start_child` when a worker fails to start.
fn failed(reason: &str) -> Result<AnyRef, ChildError> {
    let (id, reason) = ("Worker".into(), reason.into());
    Err(ChildError::Start { id, reason })
}

/// Elixir's `assert_kill(pid, reason)`: `child` stops with `reason`; returns
/// once it is gone.
async fn assert_kill(child: &AnyRef, reason: ExitReason) {
    let worker = child.clone().downcast::<Worker>().expect("a worker");
    worker.quit(reason.clone()).expect("the child runs");
    assert_eq!(within(LIMIT, child.exited()).await, reason);
}

/// Elixir's `assert_kill(sup, :shutdown)`: stops the supervisor with
/// `:shutdown`; gives each child's exit reason.
async fn shut_down(sup: &Sup, children: &[AnyRef]) -> Vec<ExitReason> {
    let stop = sup.stop_with(SHUTDOWN, LIMIT);
    within(LIMIT, stop).await.expect("stops with :shutdown");
    let reasons = children.iter().map(AnyRef::exit_reason);
    reasons.map(|reason| reason.expect("stopped")).collect()
}

/// The `terminate` calls reported so far, sorted.
fn drain(events: &mut UnboundedReceiver<Terminated>) -> Vec<Terminated> {
    let mut terminated: Vec<_> = std::iter::from_fn(|| events.try_recv().ok()).collect();
    terminated.sort_by_key(|(id, _)| *id);
    terminated
}

/// `terminate` called once per child, with `:shutdown`.
fn each_shut_down(children: &[AnyRef]) -> Vec<Terminated> {
    children.iter().map(|c| (c.id(), SHUTDOWN)).collect()
}

// Supervising a dynamic supervisor

/// `"can be supervised directly"`: under a `Supervisor`, through its generated
/// `child_spec`; the children of both stop with the top one.
#[tokio::test]
async fn can_be_supervised_directly() {
    let spec = DynamicSupervisor::child_spec(Options::new()).supervisor();
    let top = Supervisor::start(SupervisorOptions::default(), vec![spec]);
    let top = within(LIMIT, top).await.expect("starts");
    let children = ask(top.which_children()).await;
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].kind, ChildKind::Supervisor);
    let ChildState::Running(dynamic) = &children[0].state else {
        panic!("the dynamic supervisor runs")
    };
    let dynamic = dynamic.clone().downcast::<DynamicSupervisor>().unwrap();
    assert!(states(&dynamic).await.is_empty());
    let child = start(&dynamic, plan(&[Start]).spec()).await;
    within(LIMIT, top.stop_with(SHUTDOWN, LIMIT)).await.unwrap();
    assert_eq!(dynamic.exit_reason(), Some(SHUTDOWN));
    assert_eq!(child.exit_reason(), Some(SHUTDOWN));
}

// start_child/2

/// `"with different returns"`: `{:ok, pid}`, `:ignore`, `{:error, reason}`;
/// only the first leaves a child.
#[tokio::test]
async fn start_child_with_different_returns() {
    let sup = supervisor(Options::new()).await;
    let ok = start(&sup, plan(&[Start]).spec()).await;
    let ignored = start_child(&sup, plan(&[Ignore]).spec()).await;
    assert_eq!(ignored, Err(ChildError::Ignored));
    let error = start_child(&sup, plan(&[Fail]).spec()).await;
    assert_eq!(error, failed("init failed: refused start 0"));
    assert_eq!(count(&sup).await, (1, 1));
    assert_eq!(running(&sup).await, [ok]);
}

/// `"with throw/error/exit"`: an `init` that raises is an error of
/// `start_child`, and the supervisor goes on.
#[tokio::test]
async fn start_child_with_throw_error_exit() {
    let sup = supervisor(Options::new()).await;
    let error = start_child(&sup, plan(&[Panic]).spec()).await;
    let reason = "server exited during init: panicked: init exploded";
    assert_eq!(error, failed(reason));
    assert!(sup.is_alive());
    assert_eq!(count(&sup).await, (0, 0));
}

/// `"supports new child spec as tuple"` (a map whose `start` is any function):
/// a `ChildSpec::new` with a named start; and one whose start does not link
/// (`start` rather than `start_link`) is linked by the supervisor: its crash
/// is restarted, and it stops with the supervisor.
#[tokio::test]
async fn start_child_supports_any_start_function() {
    let sup = supervisor(Options::new()).await;
    let name = unique_name("dynamic-child");
    let (named, loose) = (plan(&[Start]), plan(&[Start]));
    let spec = ChildSpec::new("named", {
        let name = name.clone();
        move || Worker::start_with(StartOptions::new().name(&name).link(), named.clone())
    });
    let first = start(&sup, spec).await;
    let found = whereis::<Worker>(&name).map(|found| found.id());
    assert_eq!(found, Some(first.id()));

    let spec = ChildSpec::new("loose", move || Worker::start(loose.clone()));
    let unlinked = start(&sup, spec).await;
    // The supervisor has taken it on (and it is running) before it crashes:
    // only a link tells the supervisor about the crash.
    assert_eq!(count(&sup).await, (2, 2));
    let worker = unlinked.clone().downcast::<Worker>().unwrap();
    worker.crash().unwrap();
    let reason = within(LIMIT, unlinked.exited()).await;
    assert_eq!(reason.panic_message(), Some("boom"));
    assert_eq!(count(&sup).await, (2, 2));
    let children = running(&sup).await;
    assert!(!children.contains(&unlinked), "restarted");
    assert_eq!(shut_down(&sup, &children).await, [SHUTDOWN, SHUTDOWN]);
    assert!(whereis::<Worker>(&name).is_none());
}

/// Typed use of what `start_child` returns (a pid in Elixir): the handle
/// downcasts to its server's type, and only to it.
#[tokio::test]
async fn start_child_returns_a_handle_that_downcasts() {
    let sup = supervisor(Options::new()).await;
    let any = start(&sup, plan(&[Start]).spec()).await;
    assert!(any.is::<Worker>() && !any.is::<DynamicSupervisor>());
    let worker = any.clone().downcast::<Worker>().expect("a worker");
    assert_eq!(worker.id(), any.id());
    assert_eq!(ask(worker.start_number()).await, 0);
    let back = any.downcast::<DynamicSupervisor>().expect_err("a worker");
    assert_eq!(back.id(), worker.id());
}

/// `"with max_children"`: `max_children: 0` refuses every child; with room
/// for two, a child that is ignored or fails takes no room, and one
/// terminated frees its room.
#[tokio::test]
async fn with_max_children() {
    let sup = supervisor(Options::new().max_children(0)).await;
    let refused = start_child(&sup, plan(&[Start]).spec()).await;
    assert_eq!(refused, Err(ChildError::MaxChildren));
    assert_eq!(count(&sup).await, (0, 0));

    let sup = supervisor(Options::new().max_children(2)).await;
    let ignored = start_child(&sup, plan(&[Ignore]).spec()).await;
    assert_eq!(ignored, Err(ChildError::Ignored));
    let failed = start_child(&sup, plan(&[Fail]).spec()).await;
    assert!(matches!(failed, Err(ChildError::Start { .. })));
    let plan = plan(&[Start]);
    let first = start(&sup, plan.spec()).await;
    start(&sup, plan.spec()).await;
    let refused = start_child(&sup, plan.spec()).await;
    assert_eq!(refused, Err(ChildError::MaxChildren));
    assert_eq!(count(&sup).await, (2, 2));
    assert_eq!(ask(sup.terminate_child(first.id())).await, Ok(()));
    start(&sup, plan.spec()).await;
    assert_eq!(plan.starts(), 3);
}

/// `"restarting on exit children counted in max_children"`.
#[tokio::test]
async fn restarting_on_exit_children_counted_in_max_children() {
    let sup = supervisor(Options::new().max_children(1).max_restarts(100_000)).await;
    let plan = plan(&[Start]);
    let child = start(&sup, plan.spec()).await;
    assert_kill(&child, SHUTDOWN).await;
    assert_eq!(count(&sup).await, (1, 1));
    assert_ne!(running(&sup).await, [child]);
    let refused = start_child(&sup, plan.spec()).await;
    assert_eq!(refused, Err(ChildError::MaxChildren));
}

/// `"restarting on init children counted in max_children"`: a child whose
/// restart failed still takes its room.
#[tokio::test]
async fn restarting_on_init_children_counted_in_max_children() {
    let sup = supervisor(Options::new().max_children(1).max_restarts(100_000)).await;
    let child = start(&sup, plan(&[Start, Fail]).spec()).await;
    assert_kill(&child, SHUTDOWN).await;
    assert_eq!(count(&sup).await, (1, 0));
    let refused = start_child(&sup, plan(&[Start]).spec()).await;
    assert_eq!(refused, Err(ChildError::MaxChildren));
}

/// `"temporary child is not restarted regardless of reason"`.
#[tokio::test]
async fn temporary_child_is_not_restarted_regardless_of_reason() {
    let sup = supervisor(Options::new()).await;
    let plan = plan(&[Start]);
    for reason in [SHUTDOWN, ExitReason::custom("whatever")] {
        let child = start(&sup, plan.spec().restart(Restart::Temporary)).await;
        assert_kill(&child, reason).await;
        assert_eq!(count(&sup).await, (0, 0));
    }
    assert_eq!(plan.starts(), 2);
}

/// `"transient child is restarted unless normal/shutdown/{shutdown, _}"`.
#[tokio::test]
async fn transient_child_is_restarted_unless_normal_or_shutdown() {
    let sup = supervisor(Options::new()).await;
    let plan = plan(&[Start]);
    let spec = plan.spec().restart(Restart::Transient);
    for reason in [ExitReason::Normal, SHUTDOWN, ExitReason::shutdown("signal")] {
        let child = start(&sup, spec.clone()).await;
        assert_kill(&child, reason).await;
        assert_eq!(count(&sup).await, (0, 0));
    }
    let child = start(&sup, spec).await;
    assert_kill(&child, ExitReason::custom("whatever")).await;
    assert_eq!(count(&sup).await, (1, 1));
    assert_ne!(running(&sup).await, [child]);
    assert_eq!(plan.starts(), 5);
}

/// `"permanent child is restarted regardless of reason"` (a panic too).
#[tokio::test]
async fn permanent_child_is_restarted_regardless_of_reason() {
    let sup = supervisor(Options::new().max_restarts(100)).await;
    let plan = plan(&[Start]);
    let whatever = ExitReason::custom("whatever");
    let reasons = [SHUTDOWN, ExitReason::shutdown("signal"), whatever];
    for (n, reason) in reasons.into_iter().enumerate() {
        let child = start(&sup, plan.spec()).await;
        assert_kill(&child, reason).await;
        assert_eq!(count(&sup).await, (n + 1, n + 1));
        assert!(!running(&sup).await.contains(&child));
    }
    let child = start(&sup, plan.spec()).await;
    child.clone().downcast::<Worker>().unwrap().crash().unwrap();
    assert!(
        within(LIMIT, child.exited())
            .await
            .panic_message()
            .is_some()
    );
    assert_eq!(count(&sup).await, (4, 4));
    assert_eq!(plan.starts(), 8);
}

/// `"child is restarted with different values"`: a restart that starts
/// replaces the child; one that is ignored removes it; one that fails leaves
/// it restarting (a worker, not active), and the supervisor tries again.
#[tokio::test]
async fn child_is_restarted_with_different_values() {
    let sup = supervisor(Options::new().max_restarts(100_000)).await;
    let child1 = start(&sup, plan(&[Start, Start]).spec()).await;
    assert_kill(&child1, SHUTDOWN).await;
    assert_eq!(count(&sup).await, (1, 1));
    let restarted = only_child(&sup).await;
    assert_eq!(ask(restarted.start_number()).await, 1);

    let ignore = plan(&[Start, Ignore]);
    let child2 = start(&sup, ignore.spec()).await;
    assert_eq!(count(&sup).await, (2, 2));
    assert_kill(&child2, SHUTDOWN).await;
    assert_eq!(count(&sup).await, (1, 1));
    assert_eq!(ignore.starts(), 2);

    let fail = plan(&[Start, Fail]);
    let child3 = start(&sup, fail.spec()).await;
    assert_kill(&child3, SHUTDOWN).await;
    assert_eq!(count(&sup).await, (2, 1));
    let counted = ask(sup.count_children()).await;
    assert_eq!((counted.specs, counted.supervisors), (2, 0));
    let states = states(&sup).await;
    let [ChildState::Running(first), ChildState::Restarting] = &states[..] else {
        panic!("one running, one restarting: {states:?}")
    };
    assert_eq!(first.id(), restarted.id());
    eventually(LIMIT, || fail.starts() > 10).await;
    assert!(sup.is_alive());
    assert_eq!(count(&sup).await, (2, 1));
}

/// `"child is restarted when trying again"`: the first restart fails, the
/// second succeeds, within `max_restarts: 2`.
#[tokio::test]
async fn child_is_restarted_when_trying_again() {
    let sup = supervisor(Options::new().max_restarts(2)).await;
    let plan = plan(&[Start, Fail, Start]);
    let child = start(&sup, plan.spec()).await;
    assert_kill(&child, SHUTDOWN).await;
    eventually(LIMIT, || plan.starts() == 3).await;
    assert_eq!(count(&sup).await, (1, 1));
    let restarted = only_child(&sup).await;
    assert_eq!(ask(restarted.start_number()).await, 2);
    assert!(sup.is_alive());
}

/// Stops a child whose restarts fail under a supervisor allowing
/// `max_restarts`, beside a bystander: the supervisor tries `max_restarts`
/// times, then stops the bystander and itself with `:shutdown`.
async fn restarts_fail_until_the_supervisor_gives_up(max_restarts: u32) {
    let (events, mut terminated) = unbounded_channel();
    let sup = supervisor(Options::new().max_restarts(max_restarts)).await;
    let bystander = plan(&[Start]).report_to(&events).spec();
    let bystander = start(&sup, bystander).await;
    let plan = plan(&[Start, Fail]);
    let child = start(&sup, plan.spec()).await;
    assert_kill(&child, SHUTDOWN).await;
    assert_eq!(within(LIMIT, sup.exited()).await, SHUTDOWN);
    assert_eq!(plan.starts(), 1 + max_restarts as usize);
    assert_eq!(bystander.exit_reason(), Some(SHUTDOWN));
    assert_eq!(drain(&mut terminated), [(bystander.id(), SHUTDOWN)]);
}

/// `"child triggers maximum restarts"`.
#[tokio::test]
async fn child_triggers_maximum_restarts() {
    restarts_fail_until_the_supervisor_gives_up(1).await;
}

/// `"child triggers maximum intensity when trying again"`: each try counts.
#[tokio::test]
async fn child_triggers_maximum_intensity_when_trying_again() {
    restarts_fail_until_the_supervisor_gives_up(10).await;
}

/// `max_seconds`: restarts within the period count together, those
/// further apart do not (`supervisor_SUITE:multiple_restarts`).
#[tokio::test(start_paused = true)]
async fn restarts_count_within_max_seconds_only() {
    let options = Options::new()
        .max_restarts(1)
        .max_seconds(Duration::from_secs(10));
    let sup = supervisor(options).await;
    let child = start(&sup, plan(&[Start]).spec()).await;
    assert_kill(&child, ExitReason::custom("first")).await;
    let again = running(&sup).await.pop().expect("restarted");
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_kill(&again, ExitReason::custom("after the period")).await;
    let third = running(&sup).await.pop().expect("restarted");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_kill(&third, ExitReason::custom("within it")).await;
    assert_eq!(within(LIMIT, sup.exited()).await, SHUTDOWN);
}

// terminate/2

/// Three children under a new supervisor, each `shutdown` as given,
/// reporting their `terminate` calls.
async fn three(shutdown: Shutdown) -> (Sup, Vec<AnyRef>, UnboundedReceiver<Terminated>) {
    let (events, terminated) = unbounded_channel();
    let sup = supervisor(Options::new()).await;
    let spec = plan(&[Start]).report_to(&events).spec().shutdown(shutdown);
    let mut children = Vec::new();
    for _ in 0..3 {
        children.push(start(&sup, spec.clone()).await);
    }
    (sup, children, terminated)
}

/// `"terminates children with brutal kill"`: killed, without `terminate`.
#[tokio::test]
async fn terminates_children_with_brutal_kill() {
    let (sup, children, mut terminated) = three(Shutdown::BrutalKill).await;
    assert_eq!(shut_down(&sup, &children).await, [KILLED, KILLED, KILLED]);
    assert_eq!(drain(&mut terminated), []);
}

/// `"terminates children with infinity shutdown"`.
#[tokio::test]
async fn terminates_children_with_infinity_shutdown() {
    let (sup, children, mut terminated) = three(Shutdown::Infinity).await;
    let reasons = shut_down(&sup, &children).await;
    assert_eq!(reasons, [SHUTDOWN, SHUTDOWN, SHUTDOWN]);
    assert_eq!(drain(&mut terminated), each_shut_down(&children));
}

/// `"terminates children with integer shutdown"`: they stop in time, so the
/// supervisor does not wait out the timeout.
#[tokio::test(start_paused = true)]
async fn terminates_children_with_integer_shutdown() {
    let (sup, children, mut terminated) = three(Shutdown::Timeout(SECOND)).await;
    let began = Instant::now();
    let reasons = shut_down(&sup, &children).await;
    assert_eq!(reasons, [SHUTDOWN, SHUTDOWN, SHUTDOWN]);
    assert!(began.elapsed() < SECOND, "no waiting for the timeout");
    assert_eq!(drain(&mut terminated), each_shut_down(&children));
}

/// `"terminates children with expired integer shutdown"`: a child whose
/// `terminate` outlasts its shutdown timeout is killed; the others stop with
/// `:shutdown`. All are asked at once: the supervisor waits one timeout.
#[tokio::test(start_paused = true)]
async fn terminates_children_with_expired_integer_shutdown() {
    let (events, mut terminated) = unbounded_channel();
    let sup = supervisor(Options::new()).await;
    let timeout = Shutdown::Timeout(SECOND);
    let quick = plan(&[Start]).report_to(&events);
    let slow = Plan {
        linger: 3600 * SECOND,
        ..quick.clone()
    };
    let children = [
        start(&sup, quick.spec().shutdown(timeout)).await,
        start(&sup, slow.spec().shutdown(timeout)).await,
        start(&sup, quick.spec().shutdown(timeout)).await,
    ];
    let began = Instant::now();
    let reasons = shut_down(&sup, &children).await;
    let elapsed = began.elapsed();
    assert_eq!(reasons, [SHUTDOWN, KILLED, SHUTDOWN]);
    assert!((SECOND..2 * SECOND).contains(&elapsed), "{elapsed:?}");
    // Each `terminate` began, with `:shutdown`.
    assert_eq!(drain(&mut terminated), each_shut_down(&children));
}

/// `"terminates with mixed children"`.
#[tokio::test]
async fn terminates_with_mixed_children() {
    let (events, mut terminated) = unbounded_channel();
    let sup = supervisor(Options::new()).await;
    let spec = plan(&[Start]).report_to(&events).spec();
    let children = [
        start(&sup, spec.clone().shutdown(Shutdown::Infinity)).await,
        start(&sup, spec.shutdown(Shutdown::BrutalKill)).await,
    ];
    assert_eq!(shut_down(&sup, &children).await, [SHUTDOWN, KILLED]);
    assert_eq!(drain(&mut terminated), each_shut_down(&children[..1]));
}

// terminate_child/2

/// Terminates a child that `shutdown` stops, twice; gives its exit reason
/// and its `terminate` calls.
async fn terminate_child_twice(shutdown: Shutdown) -> (ExitReason, Vec<Terminated>) {
    let (events, mut terminated) = unbounded_channel();
    let sup = supervisor(Options::new()).await;
    let spec = plan(&[Start]).report_to(&events).spec().shutdown(shutdown);
    let child = start(&sup, spec).await;
    assert_eq!(ask(sup.terminate_child(child.id())).await, Ok(()));
    let again = ask(sup.terminate_child(child.id())).await;
    assert_eq!(again, Err(ChildError::NotFound));
    assert_eq!(count(&sup).await, (0, 0));
    let reason = child.exit_reason().expect("stopped");
    (reason, drain(&mut terminated))
}

/// `"terminates child with brutal kill"`.
#[tokio::test]
async fn terminates_child_with_brutal_kill() {
    let (reason, terminated) = terminate_child_twice(Shutdown::BrutalKill).await;
    assert_eq!((reason, terminated), (KILLED, vec![]));
}

/// `"terminates child with integer shutdown"`.
#[tokio::test(start_paused = true)]
async fn terminates_child_with_integer_shutdown() {
    let (reason, terminated) = terminate_child_twice(Shutdown::Timeout(SECOND)).await;
    assert_eq!(reason, SHUTDOWN);
    assert!(matches!(&terminated[..], [(_, SHUTDOWN)]), "{terminated:?}");
}

/// `"terminates restarting child"`: a child whose restart failed is still
/// known by its id, and terminating it ends the retries.
#[tokio::test]

async fn terminates_restarting_child() {
    let sup = supervisor(Options::new().max_restarts(100_000)).await;
    let plan = plan(&[Start, Fail]);
    let child = start(&sup, plan.spec()).await;
    assert_kill(&child, SHUTDOWN).await;
    assert_eq!(ask(sup.terminate_child(child.id())).await, Ok(()));
    let again = ask(sup.terminate_child(child.id())).await;
    assert_eq!(again, Err(ChildError::NotFound));
    assert_eq!(count(&sup).await, (0, 0));
    let tries = plan.starts();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(plan.starts(), tries, "no more retries");
}
