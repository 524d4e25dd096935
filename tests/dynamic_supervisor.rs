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

#[path = "support/plan.rs"]
mod plan;

use std::time::Duration;

use genserver::supervisor::{ChildKind, ChildState};
use genserver::{ChildError, prelude::*, whereis};
use plan::*;
use support::{eventually, unique_name, within};

// Supervising a dynamic supervisor

/// `"can be supervised directly"`: under a `Supervisor`, through its generated
/// `child_spec`; the children of both stop with the top one.
#[tokio::test]
async fn can_be_supervised_directly() {
    let _watchdog = support::watchdog();
    let spec = DynamicSupervisor::child_spec(Options::new()).supervisor();
    let top = Supervisor::start(SupervisorOptions::default(), vec![spec]);
    let top = within(LIMIT, "the top supervisor's start", top)
        .await
        .expect("starts");
    let children = ask(top.which_children()).await;
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].kind, ChildKind::Supervisor);
    let ChildState::Running(dynamic) = &children[0].state else {
        panic!("the dynamic supervisor runs")
    };
    let dynamic = dynamic.clone().downcast::<DynamicSupervisor>().unwrap();
    assert!(states(&dynamic).await.is_empty());
    let child = start(&dynamic, plan(&[Start]).spec()).await;
    within(
        LIMIT,
        "the top supervisor to stop",
        top.stop_with(SHUTDOWN, LIMIT),
    )
    .await
    .unwrap();
    assert_eq!(dynamic.exit_reason(), Some(SHUTDOWN));
    assert_eq!(child.exit_reason(), Some(SHUTDOWN));
}

// start_child/2

/// `"with different returns"`: `{:ok, pid}`, `:ignore`, `{:error, reason}`;
/// only the first leaves a child.
#[tokio::test]
async fn start_child_with_different_returns() {
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let reason = within(LIMIT, "the unlinked server's exit", unlinked.exited()).await;
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
        within(LIMIT, "the child's exit", child.exited())
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    assert_eq!(
        within(LIMIT, "the supervisor's exit", sup.exited()).await,
        SHUTDOWN
    );
    assert_eq!(plan.starts(), 1 + max_restarts as usize);
    assert_eq!(bystander.exit_reason(), Some(SHUTDOWN));
    assert_eq!(drain(&mut terminated), [(bystander.id(), SHUTDOWN)]);
}

/// `"child triggers maximum restarts"`.
#[tokio::test]
async fn child_triggers_maximum_restarts() {
    let _watchdog = support::watchdog();
    restarts_fail_until_the_supervisor_gives_up(1).await;
}

/// `"child triggers maximum intensity when trying again"`: each try counts.
#[tokio::test]
async fn child_triggers_maximum_intensity_when_trying_again() {
    let _watchdog = support::watchdog();
    restarts_fail_until_the_supervisor_gives_up(10).await;
}

/// `max_seconds`: restarts within the period count together, those
/// further apart do not (`supervisor_SUITE:multiple_restarts`).
#[tokio::test(start_paused = true)]
async fn restarts_count_within_max_seconds_only() {
    let _watchdog = support::watchdog();
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
    assert_eq!(
        within(LIMIT, "the supervisor's exit", sup.exited()).await,
        SHUTDOWN
    );
}

// What a dynamic supervisor and a child spec show.

/// A dynamic supervisor's state shows its options and how many children it
/// has (`:sys.get_state`); a child spec shows its id and how it restarts,
/// stops and counts, not its start function.
#[tokio::test]
async fn a_dynamic_supervisor_and_a_child_spec_show_what_they_hold() {
    let _watchdog = support::watchdog();
    let sup = supervisor(Options::new().max_children(3)).await;
    let spec = plan(&[Start]).spec();
    assert_eq!(
        format!("{spec:?}"),
        r#"ChildSpec { id: "Worker", restart: Permanent, shutdown: Timeout(5s), kind: Worker, .. }"#
    );
    start(&sup, spec).await;
    let shown = within(LIMIT, "the state", genserver::sys::format_state(&sup))
        .await
        .unwrap();
    assert!(
        shown.starts_with(
            "DynamicSupervisor { options: DynamicSupervisorOptions { max_children: Some(3),"
        ),
        "{shown}"
    );
    assert!(shown.ends_with("children: 1, .. }"), "{shown}");
}
