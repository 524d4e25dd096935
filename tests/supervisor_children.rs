//! `Supervisor`: failed restarts, shutdowns, the child API, names, nested
//! supervisors, and exits that race with restarts. Each test names the
//! case of OTP's `lib/stdlib/test/supervisor_SUITE.erl` it ports.

mod support;

#[path = "support/worker.rs"]
mod worker;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use genserver::prelude::*;
use genserver::supervisor::ChildState;
use genserver::{ChildError, ServerId};
use support::within;
use worker::{Config, Event, Harness, LIMIT, Mode, Worker, child, states, supervise};

fn fail_after(starts: usize) -> Mode {
    Mode::FailAfter(Arc::new(AtomicUsize::new(0)), starts)
}

/// `hanging_restart_loop`: while a restart keeps failing, the supervisor
/// answers, shows the child as restarting, and refuses what needs it
/// stopped; `terminate_child` ends the loop.
#[tokio::test]
async fn hanging_restart_loop() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default().max_restarts(u32::MAX),
        vec![h.spec("child", fail_after(1))],
    )
    .await;
    h.started(1).await;
    child(&supervisor, "child").await.crash().unwrap();
    let restarting = loop {
        let children = supervisor.which_children().await.unwrap();
        if states(&children) == [("child", "restarting")] {
            break children;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(restarting[0].state, ChildState::Restarting);
    let count = supervisor.count_children().await.unwrap();
    assert_eq!((count.specs, count.active, count.workers), (1, 0, 1));
    let again = h.spec("child", Mode::Run);
    assert_eq!(
        supervisor.start_child(again).await.unwrap(),
        Err(ChildError::AlreadyPresent)
    );
    assert_eq!(
        supervisor.restart_child("child".into()).await.unwrap(),
        Err(ChildError::Restarting)
    );
    assert_eq!(
        supervisor.delete_child("child".into()).await.unwrap(),
        Err(ChildError::Restarting)
    );
    supervisor
        .terminate_child("child".into())
        .await
        .unwrap()
        .unwrap();
    let children = supervisor.which_children().await.unwrap();
    assert_eq!(states(&children), [("child", "undefined")]);
    assert!(supervisor.is_alive());
}

/// `one_for_one_escalation`: every failed try counts as a restart, and the
/// supervisor gives up, stopping its other children.
#[tokio::test]
async fn one_for_one_escalation() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default().max_restarts(4),
        vec![h.worker("calm"), h.spec("child", fail_after(1))],
    )
    .await;
    h.started(2).await;
    child(&supervisor, "child").await.crash().unwrap();
    assert_eq!(
        within(LIMIT, "the supervisor's exit", supervisor.exited()).await,
        ExitReason::Shutdown
    );
    let mut events = Vec::new();
    while let Ok(event) = h.receiver.try_recv() {
        events.push(event);
    }
    assert!(events.contains(&Event::Terminated("calm", ExitReason::Shutdown)));
}

/// `one_for_all_other_child_fails_restart`: when another child of the
/// group fails to start, the restarted ones are stopped again and the whole
/// group is tried again.
#[tokio::test]
async fn one_for_all_other_child_fails_restart() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::new(Strategy::OneForAll).max_restarts(3),
        vec![h.worker("a"), h.spec("b", fail_after(1))],
    )
    .await;
    h.started(2).await;
    child(&supervisor, "a").await.crash().unwrap();
    assert_eq!(
        within(LIMIT, "the supervisor's exit", supervisor.exited()).await,
        ExitReason::Shutdown
    );
    let mut starts_of_a = 0;
    let mut shutdowns_of_a = 0;
    while let Ok(event) = h.receiver.try_recv() {
        match event {
            Event::Started("a", _) => starts_of_a += 1,
            Event::Terminated("a", ExitReason::Shutdown) => shutdowns_of_a += 1,
            _ => {}
        }
    }
    // Each try of the three restarts starts `a` again, then stops it.
    assert_eq!((starts_of_a, shutdowns_of_a), (3, 3));
}

/// `rest_for_one_other_child_fails_restart`: trying again restarts the
/// failed child and those after it, never those before it.
#[tokio::test]
async fn rest_for_one_other_child_fails_restart() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::new(Strategy::RestForOne).max_restarts(3),
        vec![h.worker("a"), h.spec("b", fail_after(1)), h.worker("c")],
    )
    .await;
    h.started(3).await;
    child(&supervisor, "b").await.crash().unwrap();
    within(LIMIT, "the supervisor's exit", supervisor.exited()).await;
    let mut events = Vec::new();
    while let Ok(event) = h.receiver.try_recv() {
        events.push(event);
    }
    assert!(
        !events
            .iter()
            .any(|event| matches!(event, Event::Started("a", _))),
        "`a` never starts again: {events:?}"
    );
    // `c` was stopped for the first restart, and `a` only at the end.
    let stops: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            Event::Terminated(tag, ExitReason::Shutdown) => Some(*tag),
            _ => None,
        })
        .collect();
    assert_eq!(stops, ["c", "a"]);
}

/// `sup_stop_timeout`, `sup_stop_brutal_kill`, `sup_stop_infinity`: each
/// child stops as its shutdown says; one that ignores it is killed.
#[tokio::test(start_paused = true)]
async fn shutdown_of_each_kind() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let supervisor = supervise(
        SupervisorOptions::default(),
        vec![
            h.worker("infinity").shutdown(Shutdown::Infinity),
            h.worker("brutal").shutdown(Shutdown::BrutalKill),
            h.spec("stubborn", Mode::SlowTerminate)
                .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
            h.worker("polite"),
        ],
    )
    .await;
    h.started(4).await;
    let [infinity, brutal, stubborn, polite] = ["infinity", "brutal", "stubborn", "polite"];
    let mut servers = Vec::new();
    for id in [infinity, brutal, stubborn, polite] {
        servers.push(child(&supervisor, id).await);
    }
    let started = tokio::time::Instant::now();
    supervisor.stop().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for `stubborn`"
    );
    let reasons: Vec<_> = servers.iter().map(|s| s.exit_reason().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            ExitReason::Shutdown,
            ExitReason::Killed,
            ExitReason::Killed,
            ExitReason::Shutdown
        ]
    );
    // In reverse order; the brutal kill runs no `terminate`.
    assert_eq!(
        h.next().await,
        Event::Terminated(polite, ExitReason::Shutdown)
    );
    assert_eq!(
        h.next().await,
        Event::Terminated(stubborn, ExitReason::Shutdown)
    );
    assert_eq!(
        h.next().await,
        Event::Terminated(infinity, ExitReason::Shutdown)
    );
}

/// `child_adm`: what `start_child`, `terminate_child`, `restart_child` and
/// `delete_child` answer in each state.
#[tokio::test]
async fn child_adm() {
    let _watchdog = support::watchdog();
    let h = Harness::new();
    let supervisor = supervise(SupervisorOptions::default(), vec![]).await;
    let running = supervisor
        .start_child(h.worker("child"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        supervisor.start_child(h.worker("child")).await.unwrap(),
        Err(ChildError::AlreadyStarted(running.clone()))
    );
    let id = || String::from("child");
    assert_eq!(
        supervisor.restart_child(id()).await.unwrap(),
        Err(ChildError::Running)
    );
    assert_eq!(
        supervisor.delete_child(id()).await.unwrap(),
        Err(ChildError::Running)
    );
    let nobody = || String::from("nobody");
    assert_eq!(
        supervisor.terminate_child(nobody()).await.unwrap(),
        Err(ChildError::NotFound)
    );
    assert_eq!(
        supervisor.restart_child(nobody()).await.unwrap(),
        Err(ChildError::NotFound)
    );
    assert_eq!(
        supervisor.delete_child(nobody()).await.unwrap(),
        Err(ChildError::NotFound)
    );
    supervisor.terminate_child(id()).await.unwrap().unwrap();
    assert_eq!(running.exit_reason(), Some(ExitReason::Shutdown));
    // Again: it is not running, which is fine.
    supervisor.terminate_child(id()).await.unwrap().unwrap();
    assert_eq!(
        supervisor.start_child(h.worker("child")).await.unwrap(),
        Err(ChildError::AlreadyPresent)
    );
    let restarted = supervisor.restart_child(id()).await.unwrap().unwrap();
    assert_ne!(restarted, running);
    supervisor.terminate_child(id()).await.unwrap().unwrap();
    supervisor.delete_child(id()).await.unwrap().unwrap();
    assert_eq!(
        supervisor.restart_child(id()).await.unwrap(),
        Err(ChildError::NotFound)
    );
    assert_eq!(
        supervisor
            .start_child(h.spec("bad", Mode::Fail))
            .await
            .unwrap(),
        Err(ChildError::Start {
            id: "bad".into(),
            reason: "init failed: bad refused".into()
        })
    );
    assert_eq!(
        supervisor
            .start_child(h.spec("ignored", Mode::Ignore))
            .await
            .unwrap(),
        Err(ChildError::Ignored)
    );
    let temporary = h.spec("gone", Mode::Ignore).restart(Restart::Temporary);
    assert_eq!(
        supervisor.start_child(temporary).await.unwrap(),
        Err(ChildError::Ignored)
    );
    // `sup_start_ignore_temporary_child_start_child`: an ignored child is
    // kept, not running; a temporary one is not kept.
    let children = supervisor.which_children().await.unwrap();
    assert_eq!(states(&children), [("ignored", "undefined")]);
    supervisor.stop().await.unwrap();
    assert_eq!(supervisor.which_children().await, Err(CallError::NoProc));
}

/// A named child is registered again under its name when restarted, so
/// that clients looking the name up find the new one.
#[tokio::test]
async fn a_named_child_is_found_again_after_a_restart() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let name = support::unique_name("supervised");
    let config = Config {
        tag: "named",
        mode: Mode::Run,
        events: h.events.clone(),
    };
    let start_name = name.clone();
    let spec = ChildSpec::new("named", move || {
        let options = StartOptions::new().name(start_name.clone()).link();
        Worker::start_with(options, config.clone())
    });
    let _supervisor = supervise(SupervisorOptions::default(), vec![spec]).await;
    let (_, first) = h.started(1).await[0];
    let found = ServerRef::<Worker>::by_name(&name).unwrap();
    assert_eq!(found.id(), first);
    found.crash().unwrap();
    let (_, second) = h.started(1).await[0];
    let again = ServerRef::<Worker>::by_name(&name).unwrap();
    assert_eq!(again.id(), second);
    assert_eq!(again.tag().await.unwrap(), "named");
}

/// `tree`: a supervisor under a supervisor restarts its own children; the
/// top one stops the whole tree, depth first, in reverse order.
#[tokio::test]
async fn tree() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let inner = Supervisor::child_spec(
        SupervisorOptions::default(),
        vec![h.worker("b"), h.worker("c")],
    )
    .id("inner");
    let top = supervise(SupervisorOptions::default(), vec![h.worker("a"), inner]).await;
    h.started(3).await;
    let count = top.count_children().await.unwrap();
    let counted = (count.specs, count.active, count.supervisors, count.workers);
    assert_eq!(counted, (2, 2, 1, 1));
    let inner = top.which_children().await.unwrap()[1].clone();
    assert_eq!(inner.kind, genserver::supervisor::ChildKind::Supervisor);
    let ChildState::Running(inner) = inner.state else {
        panic!("the inner supervisor runs")
    };
    let inner = inner.downcast::<Supervisor>().unwrap();
    child(&inner, "b").await.crash().unwrap();
    let (tag, _) = h.started(1).await[0];
    assert_eq!(tag, "b");
    assert!(inner.is_alive(), "the inner supervisor handled it");
    top.stop().await.unwrap();
    let mut order = Vec::new();
    while let Ok(event) = h.receiver.try_recv() {
        if let Event::Terminated(tag, ExitReason::Shutdown) = event {
            order.push(tag);
        }
    }
    assert_eq!(order, ["c", "b", "a"]);
    assert_eq!(inner.exit_reason(), Some(ExitReason::Shutdown));
}

/// `sup_stop_race`: children stopping on their own while the supervisor
/// stops do not hold it up, and each keeps its own reason.
#[tokio::test]
async fn sup_stop_race() {
    let _watchdog = support::watchdog();
    let h = Harness::new();
    let reasons = [
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::shutdown("test"),
        ExitReason::custom("other"),
    ];
    let tags = ["a", "b", "c", "d"];
    let specs = tags.iter().map(|tag| h.worker(tag)).collect();
    let supervisor = supervise(SupervisorOptions::default().max_restarts(100), specs).await;
    let mut children = Vec::new();
    for tag in tags {
        children.push(child(&supervisor, tag).await);
    }
    for (server, reason) in children.iter().zip(&reasons) {
        server.quit(reason.clone()).unwrap();
    }
    within(LIMIT, "the supervisor to stop", supervisor.stop())
        .await
        .unwrap();
    for (server, reason) in children.iter().zip(&reasons) {
        assert_eq!(server.exit_reason().as_ref(), Some(reason));
    }
}

/// An exit racing with `terminate_child`: whichever comes first, the child
/// ends stopped and is not restarted afterwards.
#[tokio::test]
async fn a_crash_racing_terminate_child() {
    let _watchdog = support::watchdog();
    let h = Harness::new();
    for _ in 0..20 {
        let supervisor = supervise(SupervisorOptions::default(), vec![h.worker("child")]).await;
        let server = child(&supervisor, "child").await;
        server.crash().unwrap();
        supervisor
            .terminate_child("child".into())
            .await
            .unwrap()
            .unwrap();
        let children = supervisor.which_children().await.unwrap();
        assert_eq!(states(&children), [("child", "undefined")]);
        assert_eq!(supervisor.count_children().await.unwrap().active, 0);
    }
}

/// The parent rule through a supervisor: its parent's crash makes it stop
/// its children in order and exit with the same reason.
#[tokio::test]
async fn a_supervisor_stops_with_its_parent() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let children = vec![h.worker("a"), h.worker("b")];
    let parent = Parent::start(Parent).await.unwrap();
    let supervisor = parent.supervise(children).await.unwrap();
    h.started(2).await;
    parent.crash().unwrap();
    let reason = within(LIMIT, "the supervisor's exit", supervisor.exited()).await;
    assert_eq!(reason.panic_message(), Some("the parent crashed"));
    assert_eq!(h.next().await, Event::Terminated("b", ExitReason::Shutdown));
    assert_eq!(h.next().await, Event::Terminated("a", ExitReason::Shutdown));
}

struct Parent;

#[gen_server]
impl Parent {
    #[call]
    async fn supervise(&mut self, children: Vec<ChildSpec>) -> ServerRef<Supervisor> {
        Supervisor::start_link(SupervisorOptions::default(), children)
            .await
            .unwrap()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("the parent crashed");
    }
}

/// A start function that does not link the child: the supervisor links it.
#[tokio::test]
async fn a_child_started_without_a_link_is_linked() {
    let _watchdog = support::watchdog();
    let mut h = Harness::new();
    let config = Config {
        tag: "unlinked",
        mode: Mode::Run,
        events: h.events.clone(),
    };
    let spec = ChildSpec::new("unlinked", move || Worker::start(config.clone()));
    let supervisor = supervise(SupervisorOptions::default(), vec![spec]).await;
    let (_, first): (_, ServerId) = h.started(1).await[0];
    child(&supervisor, "unlinked").await.crash().unwrap();
    let (_, second) = h.started(1).await[0];
    assert_ne!(first, second);
}
