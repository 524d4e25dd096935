//! `Supervisor`: start order, restart types, strategies, intensity,
//! shutdown, the child API. Each test names the case of OTP's
//! `lib/stdlib/test/supervisor_SUITE.erl` it ports.

mod support;

#[path = "support/worker.rs"]
mod worker;

use std::time::Duration;

use genserver::ChildError;
use genserver::prelude::*;
use genserver::supervisor::ChildCount;
use support::within;
use worker::{Event, Harness, LIMIT, Mode, child, states, supervise};

/// `order_of_children`: children start in order and stop in reverse order,
/// each running `terminate` with `shutdown`.
#[tokio::test]
async fn order_of_children() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default(),
        vec![h.worker("a"), h.worker("b"), h.worker("c")],
    )
    .await;
    let started: Vec<_> = h.started(3).await.into_iter().map(|(tag, _)| tag).collect();
    assert_eq!(started, ["a", "b", "c"]);
    supervisor.stop().await.unwrap();
    for tag in ["c", "b", "a"] {
        assert_eq!(h.next().await, Event::Terminated(tag, ExitReason::Shutdown));
    }
}

/// `sup_start_ignore_child` and `sup_start_ignore_temporary_child`: an
/// ignored child is kept, not running; an ignored temporary one is not kept.
#[tokio::test]
async fn sup_start_ignore_child() {
    let _watchdog = support::watchdog();
    let h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default(),
        vec![
            h.spec("ignored", Mode::Ignore),
            h.spec("gone", Mode::Ignore).restart(Restart::Temporary),
            h.worker("running"),
        ],
    )
    .await;
    let children = supervisor.which_children().await.unwrap();
    assert_eq!(
        states(&children),
        [("ignored", "undefined"), ("running", "running")]
    );
    let mut count = ChildCount::default();
    (count.specs, count.active, count.workers) = (2, 1, 2);
    assert_eq!(supervisor.count_children().await.unwrap(), count);
}

/// `sup_start_child_returns_error`: a child that fails to start fails the
/// supervisor's start, and the children started before it are stopped in
/// reverse order.
#[tokio::test]
async fn sup_start_child_returns_error() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let started = Supervisor::start(
        SupervisorOptions::default(),
        vec![h.worker("a"), h.worker("b"), h.spec("bad", Mode::Fail)],
    )
    .await;
    let Err(StartError::Init(ChildError::Start { id, reason })) = started else {
        panic!("the start fails: {started:?}")
    };
    assert_eq!((&*id, &*reason), ("bad", "init failed: bad refused"));
    h.started(2).await;
    for tag in ["b", "a"] {
        assert_eq!(h.next().await, Event::Terminated(tag, ExitReason::Shutdown));
    }
}

/// `permanent_normal`, `transient_normal`, `temporary_normal`,
/// `permanent_shutdown`, `transient_shutdown`, `temporary_shutdown`,
/// `permanent_abnormal`, `transient_abnormal`, `temporary_abnormal`.
#[tokio::test]
async fn restart_types() {
    let _watchdog = support::watchdog();
    let normal = ExitReason::Normal;
    let shutdown = ExitReason::shutdown("some_info");
    let died = ExitReason::custom("died");
    let cases = [
        (Restart::Permanent, normal.clone(), Some("running")),
        (Restart::Transient, normal.clone(), Some("undefined")),
        (Restart::Temporary, normal, None),
        (Restart::Permanent, shutdown.clone(), Some("running")),
        (Restart::Transient, shutdown.clone(), Some("undefined")),
        (Restart::Transient, ExitReason::Shutdown, Some("undefined")),
        (Restart::Temporary, shutdown, None),
        (Restart::Permanent, died.clone(), Some("running")),
        (Restart::Transient, died.clone(), Some("running")),
        (Restart::Temporary, died, None),
    ];
    for (restart, reason, after) in cases {
        let mut h = Harness::new();
        let spec = h.worker("child").restart(restart);
        let supervisor = supervise(SupervisorOptions::default(), vec![spec]).await;
        let first = child(&supervisor, "child").await;
        first.quit(reason.clone()).unwrap();
        assert_eq!(
            within(LIMIT, "the first server's exit", first.exited()).await,
            reason
        );
        if after == Some("running") {
            let again = h.started(2).await[1].1;
            assert_ne!(again, first.id());
        }
        let children = supervisor.which_children().await.unwrap();
        let expected: Vec<_> = after.map(|state| ("child", state)).into_iter().collect();
        assert_eq!(states(&children), expected, "{restart:?} after {reason}");
    }
}

/// `one_for_one`: only the child that stopped is restarted.
#[tokio::test]
async fn one_for_one() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::new(Strategy::OneForOne),
        vec![h.worker("a"), h.worker("b")],
    )
    .await;
    let before = h.started(2).await;
    child(&supervisor, "b").await.crash().unwrap();
    assert!(matches!(
        h.next().await,
        Event::Terminated("b", ExitReason::Panic(_))
    ));
    let (tag, id) = h.started(1).await[0];
    assert_eq!(tag, "b");
    assert_ne!(id, before[1].1);
    assert_eq!(child(&supervisor, "a").await.id(), before[0].1);
}

/// `one_for_all`: every other child is stopped, then all start again in order.
#[tokio::test]
async fn one_for_all() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::new(Strategy::OneForAll),
        vec![h.worker("a"), h.worker("b"), h.worker("c")],
    )
    .await;
    h.started(3).await;
    child(&supervisor, "b").await.crash().unwrap();
    assert!(matches!(
        h.next().await,
        Event::Terminated("b", ExitReason::Panic(_))
    ));
    assert_eq!(h.next().await, Event::Terminated("c", ExitReason::Shutdown));
    assert_eq!(h.next().await, Event::Terminated("a", ExitReason::Shutdown));
    let again: Vec<_> = h.started(3).await.into_iter().map(|(tag, _)| tag).collect();
    assert_eq!(again, ["a", "b", "c"]);
}

/// `rest_for_one`: the children started after it stop (last first) and all
/// of those start again; those before it keep running.
#[tokio::test]
async fn rest_for_one() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::new(Strategy::RestForOne),
        vec![h.worker("a"), h.worker("b"), h.worker("c"), h.worker("d")],
    )
    .await;
    let before = h.started(4).await;
    child(&supervisor, "b").await.crash().unwrap();
    assert!(matches!(
        h.next().await,
        Event::Terminated("b", ExitReason::Panic(_))
    ));
    assert_eq!(h.next().await, Event::Terminated("d", ExitReason::Shutdown));
    assert_eq!(h.next().await, Event::Terminated("c", ExitReason::Shutdown));
    let again: Vec<_> = h.started(3).await.into_iter().map(|(tag, _)| tag).collect();
    assert_eq!(again, ["b", "c", "d"]);
    assert_eq!(child(&supervisor, "a").await.id(), before[0].1);
}

/// `temporary_bystander`: a temporary child stopped because a sibling
/// died is not restarted, and is forgotten.
#[tokio::test]
async fn temporary_bystander() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::new(Strategy::OneForAll),
        vec![h.worker("a"), h.worker("temp").restart(Restart::Temporary)],
    )
    .await;
    h.started(2).await;
    child(&supervisor, "a").await.crash().unwrap();
    let (tag, _) = h.started(1).await[0];
    assert_eq!(tag, "a");
    let children = supervisor.which_children().await.unwrap();
    assert_eq!(states(&children), [("a", "running")]);
}

/// `one_for_one` (its end): one restart more than the intensity allows
/// stops the other children and the supervisor, with `shutdown`.
#[tokio::test]
async fn restart_storm_exceeds_intensity() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default().max_restarts(2),
        vec![h.worker("calm"), h.worker("storm")],
    )
    .await;
    h.started(2).await;
    for _ in 0..2 {
        child(&supervisor, "storm").await.crash().unwrap();
        h.started(1).await;
    }
    // A third restart within 5 s would be one too many.
    child(&supervisor, "storm").await.crash().unwrap();
    assert_eq!(
        within(LIMIT, "the supervisor's exit", supervisor.exited()).await,
        ExitReason::Shutdown
    );
    let mut terminated = Vec::new();
    while let Ok(event) = h.receiver.try_recv() {
        terminated.push(event);
    }
    assert!(terminated.contains(&Event::Terminated("calm", ExitReason::Shutdown)));
}

/// `multiple_restarts`: restarts spread wider than the period never reach
/// the limit.
#[tokio::test(start_paused = true)]
async fn multiple_restarts() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default()
            .max_restarts(1)
            .max_seconds(Duration::from_secs(1)),
        vec![h.worker("child")],
    )
    .await;
    h.started(1).await;
    for _ in 0..4 {
        child(&supervisor, "child").await.crash().unwrap();
        h.started(1).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
    }
    assert!(supervisor.is_alive());

    // Within a longer period, two restarts are one too many.
    let supervisor = supervise(
        SupervisorOptions::default()
            .max_restarts(1)
            .max_seconds(Duration::from_secs(10)),
        vec![h.worker("child")],
    )
    .await;
    h.started(1).await;
    child(&supervisor, "child").await.crash().unwrap();
    h.started(1).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    child(&supervisor, "child").await.crash().unwrap();
    assert_eq!(
        within(LIMIT, "the supervisor's exit", supervisor.exited()).await,
        ExitReason::Shutdown
    );
}

/// Dropping the last handle to the top supervisor stops the tree: the
/// supervisor stops normally, stopping its children in reverse order, each
/// running `terminate`.
#[tokio::test]
async fn dropping_the_top_handle_stops_the_tree() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let inner = Supervisor::child_spec(
        SupervisorOptions::default(),
        vec![h.worker("b"), h.worker("c")],
    );
    let top = supervise(SupervisorOptions::default(), vec![h.worker("a"), inner]).await;
    h.started(3).await;
    let monitor = top.monitor();
    drop(top);
    assert_eq!(
        within(LIMIT, "the task `monitor`", monitor).await.reason,
        ExitReason::Normal
    );
    for tag in ["c", "b", "a"] {
        assert_eq!(h.next().await, Event::Terminated(tag, ExitReason::Shutdown));
    }
}

/// When the tokio runtime itself shuts down, every task is cancelled: no
/// `terminate` runs, and every server ends with `Killed`. Stop the top
/// supervisor before the runtime goes for an orderly shutdown.
#[test]
fn a_runtime_shutdown_kills_the_tree_without_terminate() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (top, child) = runtime.block_on(async {
        let top = supervise(SupervisorOptions::default(), vec![h.worker("a")]).await;
        let child = child(&top, "a").await;
        (top, child)
    });
    drop(runtime);
    assert_eq!(top.exit_reason(), Some(ExitReason::Killed));
    assert_eq!(child.exit_reason(), Some(ExitReason::Killed));
    assert!(matches!(h.receiver.try_recv(), Ok(Event::Started("a", _))));
    assert!(h.receiver.try_recv().is_err(), "no terminate ran");
}

/// Whoever sees a child's exit can count on its supervisor having the
/// notice: a call to the supervisor made after the exit is answered after
/// the restart, also on a multi-threaded runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_supervisor_has_the_notice_before_anyone_sees_the_exit() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let options = SupervisorOptions::default().max_restarts(u32::MAX);
    let supervisor = supervise(options, vec![h.worker("child")]).await;
    h.started(1).await;
    for _ in 0..500 {
        let before = child(&supervisor, "child").await;
        before.quit(ExitReason::custom("again")).unwrap();
        within(LIMIT, "the earlier server's exit", before.exited()).await;
        let after = child(&supervisor, "child").await;
        assert_ne!(
            after.id(),
            before.id(),
            "the supervisor listed the dead child"
        );
    }
}

/// Waits in `init` until let through.
struct Gated;

#[gen_server]
impl Gated {
    #[init]
    async fn init(gate: std::sync::Arc<tokio::sync::Notify>) -> Self {
        gate.notified().await;
        Gated
    }
}

/// A `DynamicSupervisor`'s starts do not queue behind each other: while one
/// child's `init` waits, another starts (the README says so); and
/// `start_child` on a stopped supervisor is `NoProc`.
#[tokio::test]
async fn dynamic_starts_do_not_queue_behind_each_other() {
    let _watchdog = support::watchdog();
    let rooms = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let slow = {
        let (rooms, gate) = (rooms.clone(), std::sync::Arc::clone(&gate));
        tokio::spawn(async move { rooms.start_child(Gated::child_spec(gate)).await })
    };
    tokio::task::yield_now().await;
    let open = std::sync::Arc::new(tokio::sync::Notify::new());
    open.notify_one();
    let quick = within(
        LIMIT,
        "the reply to start_child",
        rooms.start_child(Gated::child_spec(open)),
    )
    .await;
    assert!(quick.is_ok(), "started while the other waits in init");
    assert!(!slow.is_finished());
    gate.notify_one();
    assert!(
        within(LIMIT, "the task `slow`", slow)
            .await
            .unwrap()
            .is_ok()
    );
    assert_eq!(rooms.count_children().await.unwrap().active, 2);
    rooms.stop().await.unwrap();
    let late = std::sync::Arc::new(tokio::sync::Notify::new());
    assert_eq!(
        rooms.start_child(Gated::child_spec(late)).await,
        Err(ChildError::NoProc)
    );
}
