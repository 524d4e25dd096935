//! `genserver::sys` across servers: the list of running servers
//! (`Process.list/0` with `Process.info/1`), with their parents, links and
//! monitors, under churn; and the crash reports kept (how a state is shown
//! whatever its `Debug` does is in `tests/sys_shown.rs`). Each test names the case of OTP's
//! `gen_server_SUITE.erl` it ports, where there is one.

#![allow(missing_docs)]

mod support;

use std::any::type_name;
use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use genserver::prelude::*;
use genserver::sys::{self, ProcessInfo};
use genserver::{Keys, LinkError, Registry, ServerId};
use support::{unique_name, within};
use tokio::sync::Notify;

const LIMIT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, Default)]
struct Worker {
    pings: u32,
}

#[gen_server]
impl Worker {
    #[call]
    fn ping(&mut self) -> u32 {
        self.pings += 1;
        self.pings
    }

    #[cast]
    fn crash(&mut self, why: String) {
        panic!("{why}");
    }

    /// Keeps the server busy, without blocking its thread, until `gate` opens.
    #[cast]
    async fn wait(&mut self, gate: Arc<Notify>) {
        gate.notified().await;
    }
}

/// Links to and monitors the servers a test gives it.
struct Watcher;

#[gen_server]
impl Watcher {
    #[call]
    fn link_to(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> Result<(), LinkError> {
        ctx.link(&other)
    }

    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&other)
    }

    #[info]
    fn down(&mut self, _down: Down) {}
}

/// Started and stopped by the thousand.
struct Churner;

#[gen_server]
impl Churner {
    #[call]
    fn ping(&self) {}
}

fn listed(id: ServerId) -> Option<ProcessInfo> {
    sys::processes().into_iter().find(|info| info.id == id)
}

/// A running server is listed with what it is; once stopped, it is not.
#[tokio::test]
async fn processes_lists_a_running_server_until_it_stops() {
    let _watchdog = support::watchdog();
    let name = unique_name("sys-listed");
    let server = Worker::start_named(name.clone(), Worker::default())
        .await
        .unwrap();
    assert_eq!(
        within(LIMIT, "the reply to ping", server.ping()).await,
        Ok(1)
    );
    assert_eq!(
        within(LIMIT, "the reply to ping", server.ping()).await,
        Ok(2)
    );
    let info = listed(server.id()).expect("listed");
    assert_eq!(info.server.id(), server.id());
    assert_eq!(info.name.as_deref(), Some(&*name));
    assert_eq!(info.type_name, type_name::<Worker>());
    assert_eq!((info.mailbox_len, info.messages_in), (0, 2));
    assert_eq!((info.parent, info.links.len(), info.monitors), (None, 0, 0));
    assert!(!info.suspended);
    assert!(info.uptime > Duration::ZERO);
    let all = sys::processes();
    assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id), "by id");
    drop((info, all));

    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    assert!(
        listed(server.id()).is_none(),
        "a stopped server is not listed"
    );
}

/// Links both ways, and monitors (a registry's among them) on the target.
#[tokio::test]
async fn processes_shows_links_and_monitors() {
    let _watchdog = support::watchdog();
    let watcher = Watcher::start(Watcher).await.unwrap();
    let linked = Worker::start(Worker::default()).await.unwrap();
    let target = Worker::start(Worker::default()).await.unwrap();
    let link = watcher.link_to(AnyRef::from(linked.clone()));
    assert_eq!(within(LIMIT, "the task `link`", link).await, Ok(Ok(())));
    for _ in 0..2 {
        within(
            LIMIT,
            "the reply to watch",
            watcher.watch(AnyRef::from(target.clone())),
        )
        .await
        .unwrap();
    }
    let info = listed(watcher.id()).expect("listed");
    assert_eq!(
        (info.parent, info.links, info.monitors),
        (None, vec![linked.id()], 0)
    );
    let info = listed(linked.id()).expect("listed");
    assert_eq!(
        (info.parent, info.links, info.monitors),
        (None, vec![watcher.id()], 0)
    );
    let info = listed(target.id()).expect("listed");
    assert_eq!((info.parent, info.links, info.monitors), (None, vec![], 2));

    let registry: Registry<u32> = Registry::new(Keys::Unique);
    registry.register(&target, 1, ()).unwrap();
    assert_eq!(listed(target.id()).expect("listed").monitors, 3);
    registry.unregister(&target, &1);
    assert_eq!(listed(target.id()).expect("listed").monitors, 2);

    within(LIMIT, "the linked server to stop", linked.stop())
        .await
        .unwrap();
    let info = listed(watcher.id()).expect("a normal exit does not spread");
    assert!(info.links.is_empty(), "{info:?}");
}

/// A supervisor's child has the supervisor as its parent, in the list and
/// in its status; the supervisor lists it among its links.
#[tokio::test]
async fn a_supervised_server_has_its_supervisor_as_parent() {
    let _watchdog = support::watchdog();
    let spec = Worker::child_spec(Worker::default()).id("worker");
    let options = SupervisorOptions::new(Strategy::OneForOne);
    let supervisor = within(
        LIMIT,
        "the start of Supervisor",
        Supervisor::start(options, vec![spec]),
    )
    .await
    .unwrap();
    let children = within(
        LIMIT,
        "the reply to which_children",
        supervisor.which_children(),
    )
    .await
    .unwrap();
    let genserver::supervisor::ChildState::Running(child) = children[0].state.clone() else {
        panic!("the child runs: {children:?}")
    };
    let status = within(LIMIT, "the reply to get_status", sys::get_status(&child))
        .await
        .unwrap();
    assert_eq!(status.parent, Some(supervisor.id()));
    assert_eq!(status.type_name, type_name::<Worker>());

    let info = listed(child.id()).expect("listed");
    assert_eq!(info.parent, Some(supervisor.id()));
    assert!(
        !info.links.contains(&supervisor.id()),
        "the parent is apart"
    );
    let info = listed(supervisor.id()).expect("listed");
    assert_eq!(info.type_name, type_name::<Supervisor>());
    assert_eq!((info.parent, info.links), (None, vec![child.id()]));

    within(LIMIT, "the supervisor to stop", supervisor.stop())
        .await
        .unwrap();
    assert!(listed(supervisor.id()).is_none() && listed(child.id()).is_none());
}

/// A busy server whose last handle is dropped can no longer be reached
/// (`WeakRef::upgrade` refuses), and stops once idle: the list leaves it
/// out, since a handle from the list would keep it running.
#[tokio::test(start_paused = true)]
async fn a_server_no_handle_reaches_is_not_listed() {
    let _watchdog = support::watchdog();
    let gate = Arc::new(Notify::new());
    let server = Worker::start(Worker::default()).await.unwrap();
    server.wait(Arc::clone(&gate)).unwrap();
    let (id, weak, down) = (server.id(), server.downgrade(), server.monitor());
    assert!(listed(id).is_some(), "listed while a handle is held");
    drop(server);
    assert!(weak.upgrade().is_none(), "no handle is left");
    assert!(listed(id).is_none(), "listed once unreachable");
    // Leaving it out took no count and gave none back.
    assert!(weak.upgrade().is_none(), "still no handle");
    gate.notify_one();
    assert_eq!(
        within(LIMIT, "the task `down`", down).await.reason,
        ExitReason::Normal
    );
}

/// Eight tasks start and stop 500 servers each while another lists them:
/// no server is listed after its stop has returned, the long-lived servers
/// are always listed, and none of the churned is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_under_churn() {
    let _watchdog = support::watchdog();
    let mut residents = Vec::new();
    for _ in 0..3 {
        residents.push(Worker::start(Worker::default()).await.unwrap());
    }
    let resident_ids: BTreeSet<ServerId> = residents.iter().map(ServerRef::id).collect();
    let stopped = Arc::new(Mutex::new(HashSet::new()));
    let done = Arc::new(AtomicBool::new(false));

    let lister = tokio::spawn({
        let (stopped, done) = (Arc::clone(&stopped), Arc::clone(&done));
        let resident_ids = resident_ids.clone();
        async move {
            let mut rounds = 0_u32;
            while rounds == 0 || !done.load(Ordering::Acquire) {
                let gone = stopped
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let all = sys::processes();
                assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id));
                let ids: BTreeSet<ServerId> = all.iter().map(|info| info.id).collect();
                assert!(ids.is_superset(&resident_ids), "a resident is missing");
                for info in all
                    .iter()
                    .filter(|info| info.type_name == type_name::<Churner>())
                {
                    assert!(!gone.contains(&info.id), "{info:?} listed after its stop");
                }
                rounds += 1;
                drop(all);
                tokio::task::yield_now().await;
            }
            rounds
        }
    });
    let churners: Vec<_> = (0..8)
        .map(|_| {
            let stopped = Arc::clone(&stopped);
            tokio::spawn(async move {
                for _ in 0..500 {
                    let server = Churner::start(Churner).await.unwrap();
                    server.ping().await.unwrap();
                    server.stop().await.unwrap();
                    let mut stopped = stopped.lock().unwrap_or_else(PoisonError::into_inner);
                    stopped.insert(server.id());
                }
            })
        })
        .collect();
    for churner in churners {
        within(Duration::from_mins(1), "the task `churner`", churner)
            .await
            .unwrap();
    }
    done.store(true, Ordering::Release);
    let rounds = within(LIMIT, "the task `lister`", lister).await.unwrap();
    assert!(rounds > 0);

    let all = sys::processes();
    let churned = all
        .iter()
        .filter(|info| info.type_name == type_name::<Churner>());
    assert_eq!(churned.count(), 0, "every churned server is gone");
    let ids: BTreeSet<ServerId> = all.iter().map(|info| info.id).collect();
    assert!(ids.is_superset(&resident_ids));
    assert_eq!(
        stopped.lock().unwrap_or_else(PoisonError::into_inner).len(),
        4000
    );
}

/// A handler's panic leaves a crash report: the server, its type, the
/// reason, where it panicked (from the runtime's panic hook), the message
/// it was handling (recorded while traced) and its state.
#[tokio::test]
async fn recent_crashes_report_a_panic() {
    let _watchdog = support::watchdog();
    let _ring = RING.lock().await;
    let server = Worker::start(Worker::default()).await.unwrap();
    within(LIMIT, "the reply to trace", sys::trace(&server, true))
        .await
        .unwrap();
    server.crash("crashed on purpose".into()).unwrap();
    let reason = within(LIMIT, "the server's exit", server.exited()).await;
    assert_eq!(reason, ExitReason::Panic("crashed on purpose".into()));
    let crashes = sys::recent_crashes();
    let report = crashes.iter().find(|report| report.id == server.id());
    let report = report.expect("a report of the crash");
    assert_eq!(report.type_name, type_name::<Worker>());
    assert_eq!((&report.name, &report.reason), (&None, &reason));
    let location = report.location.as_deref().expect("recorded by the hook");
    assert!(location.contains(file!()), "{location}");
    let message = report.message.as_deref();
    assert_eq!(message, Some(r#"Crash { why: "crashed on purpose" }"#));
    assert_eq!(report.state.as_deref(), Some("Worker { pings: 0 }"));
    assert!(report.at <= SystemTime::now());

    // Untraced, and with no subscriber taking crash reports, nothing of the
    // last message is recorded.
    let server = Worker::start(Worker::default()).await.unwrap();
    server.crash("again".into()).unwrap();
    within(LIMIT, "the server's exit", server.exited()).await;
    let crashes = sys::recent_crashes();
    let report = crashes.iter().find(|report| report.id == server.id());
    assert_eq!(report.expect("a report").message, None);

    // An orderly stop is not a crash.
    let server = Worker::start(Worker::default()).await.unwrap();
    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    let crashes = sys::recent_crashes();
    assert!(crashes.iter().all(|report| report.id != server.id()));
}

/// The tests that read the crash reports, one at a time: 64 crashes push
/// every earlier report out.
static RING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The last 64 crash reports are kept, the newest last.
#[tokio::test]
async fn recent_crashes_keeps_the_last_64() {
    let _watchdog = support::watchdog();
    let _ring = RING.lock().await;
    let mut ids = Vec::new();
    for n in 0..70 {
        let server = Worker::start(Worker::default()).await.unwrap();
        server.crash(format!("crash {n}")).unwrap();
        within(LIMIT, "the server's exit", server.exited()).await;
        ids.push(server.id());
    }
    let crashes = sys::recent_crashes();
    assert_eq!(crashes.len(), 64);
    let kept: Vec<ServerId> = crashes.iter().map(|report| report.id).collect();
    assert!(kept.contains(&ids[69]), "the newest is kept");
    assert!(!kept.contains(&ids[0]), "the oldest is gone");
    let ours: Vec<ServerId> = kept.into_iter().filter(|id| ids.contains(id)).collect();
    assert!(ours.windows(2).all(|pair| pair[0] < pair[1]), "newest last");
}
