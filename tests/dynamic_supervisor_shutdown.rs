//! `DynamicSupervisor`'s shutdown: the `terminate/2` and
//! `terminate_child/2` cases of Elixir's
//! `lib/elixir/test/elixir/dynamic_supervisor_test.exs`, each test naming
//! the one it ports.

mod support;

#[path = "support/plan.rs"]
mod plan;

use std::time::Duration;

use genserver::ChildError;
use genserver::prelude::*;
use plan::*;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

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
    let _watchdog = support::watchdog();
    let (sup, children, mut terminated) = three(Shutdown::BrutalKill).await;
    assert_eq!(shut_down(&sup, &children).await, [KILLED, KILLED, KILLED]);
    assert_eq!(drain(&mut terminated), []);
}

/// `"terminates children with infinity shutdown"`.
#[tokio::test]
async fn terminates_children_with_infinity_shutdown() {
    let _watchdog = support::watchdog();
    let (sup, children, mut terminated) = three(Shutdown::Infinity).await;
    let reasons = shut_down(&sup, &children).await;
    assert_eq!(reasons, [SHUTDOWN, SHUTDOWN, SHUTDOWN]);
    assert_eq!(drain(&mut terminated), each_shut_down(&children));
}

/// `"terminates children with integer shutdown"`: they stop in time, so the
/// supervisor does not wait out the timeout.
#[tokio::test(start_paused = true)]
async fn terminates_children_with_integer_shutdown() {
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
    let (reason, terminated) = terminate_child_twice(Shutdown::BrutalKill).await;
    assert_eq!((reason, terminated), (KILLED, vec![]));
}

/// `"terminates child with integer shutdown"`.
#[tokio::test(start_paused = true)]
async fn terminates_child_with_integer_shutdown() {
    let _watchdog = support::watchdog();
    let (reason, terminated) = terminate_child_twice(Shutdown::Timeout(SECOND)).await;
    assert_eq!(reason, SHUTDOWN);
    assert!(matches!(&terminated[..], [(_, SHUTDOWN)]), "{terminated:?}");
}

/// `"terminates restarting child"`: a child whose restart failed is still
/// known by its id, and terminating it ends the retries.
#[tokio::test]

async fn terminates_restarting_child() {
    let _watchdog = support::watchdog();
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
