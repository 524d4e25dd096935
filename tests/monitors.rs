//! Monitors, and the type-erased handle. Where a test ports a case of
//! OTP's `erts/emulator/test/monitor_SUITE.erl`, it names it.

mod support;

#[path = "support/node.rs"]
mod node;

use genserver::prelude::*;
use genserver::{AnyRef, Down, StopError};
use node::{Event, Failing, LIMIT, Node, any, next, node};
use support::within;
use tokio::sync::mpsc::unbounded_channel;

// Monitors.

/// `monitor_SUITE:mon_1`: the down notice carries the reference,
/// the server and its reason.
#[tokio::test]
async fn monitor_delivers_down_with_the_exit_reason() {
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
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
    let _watchdog = support::watchdog();
    let (target, _events) = node(false).await;
    let monitor = target.monitor();
    assert_eq!(monitor.id(), target.id());
    let reference = monitor.reference();
    let waiter = tokio::spawn(monitor);
    target.crash().unwrap();
    let down = within(LIMIT, "the task `waiter`", waiter).await.unwrap();
    assert_eq!((down.monitor, down.id), (reference, target.id()));
    assert_eq!(down.reason.panic_message(), Some("boom"));
    assert_eq!(
        within(
            LIMIT,
            "the down notice of target",
            AnyRef::from(target).monitor()
        )
        .await
        .reason,
        ExitReason::NoProc
    );
}

/// A monitor does not keep its target running, nor does a watcher that
/// monitors it.
#[tokio::test]
async fn a_monitor_keeps_nothing_running() {
    let _watchdog = support::watchdog();
    let (watcher, _events) = node(false).await;
    let (target, _target_events) = node(false).await;
    watcher.watch(any(&target)).await.unwrap();
    let task_monitor = target.monitor();
    drop(target);
    let down = within(LIMIT, "the task `task_monitor`", task_monitor).await;
    assert_eq!(down.reason, ExitReason::Normal);
}

// The type-erased handle.

/// `AnyRef` answers for its server as `ServerRef` does, and stops it the
/// same ways.
#[tokio::test]
async fn any_ref_answers_and_stops_like_a_server_ref() {
    let _watchdog = support::watchdog();
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
    assert_eq!(
        within(LIMIT, "the server's exit", any.exited()).await,
        reason
    );
    assert_eq!(any.stop_with(reason, LIMIT).await, Err(StopError::NoProc));

    let (victim, _events) = node(false).await;
    let any = AnyRef::from(victim);
    within(LIMIT, "the server to be killed", any.kill())
        .await
        .unwrap();
    assert_eq!(any.exit_reason(), Some(ExitReason::Killed));
}

/// Monitor references and monitors print what they are.
#[tokio::test]
async fn monitors_show_their_reference() {
    let _watchdog = support::watchdog();
    let (target, _events) = node(false).await;
    let monitor = target.monitor();
    let reference = monitor.reference();
    assert!(reference.to_string().starts_with("#Ref<0."));
    let shown = format!("{monitor:?}");
    assert!(shown.contains(&format!("{reference:?}")), "{shown}");
    assert!(shown.contains(&format!("{:?}", target.id())), "{shown}");
}
