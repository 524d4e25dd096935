//! Stop: synchronous, in mailbox order, with a reason and a timeout; and what
//! dropping the last handle does.

#![allow(missing_docs)]

mod support;

use std::time::{Duration, Instant};

use genserver::prelude::*;
use support::{Log, eventually, unique_name, within};

/// How long a stop or kill may take before the test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Worker {
    log: Log,
    terminate_millis: u64,
    done: u64,
}

#[gen_server]
impl Worker {
    #[call]
    async fn work(&mut self, millis: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        self.done += 1;
        self.done
    }

    #[cast]
    fn bump(&mut self) {
        self.done += 1;
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        tokio::time::sleep(Duration::from_millis(self.terminate_millis)).await;
        self.log
            .push(format!("terminate after {}: {reason}", self.done));
    }
}

fn worker(log: &Log, terminate_millis: u64) -> Worker {
    Worker {
        log: log.clone(),
        terminate_millis,
        done: 0,
    }
}

#[tokio::test]
async fn terminate_has_run_when_stop_returns_and_a_second_stop_is_noproc() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let name = unique_name("worker");
    let server = Worker::start_named(&name, worker(&log, 30)).await.unwrap();
    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    assert_eq!(log.events(), ["terminate after 0: normal"]);
    assert!(!server.is_alive());
    assert_eq!(server.exit_reason(), Some(ExitReason::Normal));
    assert!(genserver::whereis::<Worker>(&name).is_none());
    assert_eq!(
        within(LIMIT, "the server to stop", server.stop())
            .await
            .unwrap_err(),
        StopError::NoProc
    );
}

#[tokio::test]
async fn stop_takes_its_turn_and_callers_queued_behind_it_get_the_reason() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Worker::start(worker(&log, 0)).await.unwrap();
    let (before, stopped, after) = tokio::join!(
        server.work(20),
        server.stop_with(ExitReason::Shutdown, Duration::from_secs(5)),
        async {
            // Sent once the stop request is in the mailbox.
            tokio::task::yield_now().await;
            server.work(0).await
        },
    );
    assert_eq!(before.unwrap(), 1);
    stopped.unwrap();
    assert_eq!(after.unwrap_err(), CallError::Exit(ExitReason::Shutdown));
    assert_eq!(log.events(), ["terminate after 1: shutdown"]);
}

#[tokio::test]
async fn a_custom_reason_reaches_terminate() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Worker::start(worker(&log, 0)).await.unwrap();
    server
        .stop_with(ExitReason::custom("maintenance"), Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(log.events(), ["terminate after 0: maintenance"]);
}

#[tokio::test(start_paused = true)]
async fn a_stop_timeout_returns_timeout_and_the_server_goes_on_stopping() {
    let _watchdog = support::watchdog();
    // OTP's `stop/3` (proc_lib): the caller gets `timeout`; the server is
    // not killed, and exits with the reason asked for once `terminate` ends.
    let log = Log::default();
    let name = unique_name("slow-terminate");
    let server = Worker::start_named(&name, worker(&log, 60_000))
        .await
        .unwrap();
    let error = server
        .stop_with(ExitReason::Shutdown, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(error, StopError::Timeout);
    assert!(log.events().is_empty(), "terminate is still running");
    let exited = within(Duration::from_mins(2), "the server's exit", server.exited()).await;
    assert_eq!(exited, ExitReason::Shutdown);
    assert_eq!(log.events(), ["terminate after 0: shutdown"]);
    assert!(genserver::whereis::<Worker>(&name).is_none());
}

#[tokio::test]
async fn kill_stops_at_once_without_terminate_and_frees_the_name() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let name = unique_name("killed");
    let server = Worker::start_named(&name, worker(&log, 0)).await.unwrap();
    let started = Instant::now();
    let busy = tokio::spawn({
        let server = server.clone();
        async move { server.work(60_000).await }
    });
    let queued = tokio::spawn({
        let server = server.clone();
        async move {
            tokio::task::yield_now().await;
            server.work(0).await
        }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    within(LIMIT, "the server to be killed", server.kill())
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.exit_reason(), Some(ExitReason::Killed));
    assert!(
        genserver::whereis::<Worker>(&name).is_none(),
        "free when kill returns"
    );
    assert!(log.events().is_empty(), "terminate did not run");
    assert_eq!(
        within(LIMIT, "the task `busy`", busy)
            .await
            .unwrap()
            .unwrap_err(),
        CallError::Exit(ExitReason::Killed)
    );
    assert_eq!(
        within(LIMIT, "the task `queued`", queued)
            .await
            .unwrap()
            .unwrap_err(),
        CallError::Exit(ExitReason::Killed)
    );
    assert_eq!(server.work(0).await.unwrap_err(), CallError::NoProc);
    assert_eq!(
        within(LIMIT, "the server to be killed", server.kill())
            .await
            .unwrap_err(),
        StopError::NoProc
    );
}

#[tokio::test(start_paused = true)]
async fn kill_cuts_a_stop_that_overran_its_timeout_short() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Worker::start(worker(&log, 60_000)).await.unwrap();
    let error = server
        .stop_with(ExitReason::Shutdown, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(error, StopError::Timeout);
    within(LIMIT, "the server to be killed", server.kill())
        .await
        .unwrap();
    assert_eq!(server.exit_reason(), Some(ExitReason::Killed));
    assert!(log.events().is_empty(), "terminate was cut short");
}

struct SelfKiller;

#[gen_server]
impl SelfKiller {
    #[call]
    async fn kill_self(&mut self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        ctx.handle().kill().await
    }
}

#[tokio::test]
async fn a_server_cannot_wait_for_its_own_kill() {
    let _watchdog = support::watchdog();
    let server = SelfKiller::start(SelfKiller).await.unwrap();
    assert_eq!(
        server.kill_self().await.unwrap(),
        Err(StopError::CallingSelf)
    );
    assert!(server.is_alive());
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_server_after_its_queued_messages() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Worker::start(worker(&log, 0)).await.unwrap();
    let copy = server.clone();
    for _ in 0..100 {
        server.bump().unwrap();
    }
    drop(server);
    copy.bump().unwrap();
    assert!(log.events().is_empty(), "a handle is still alive");
    drop(copy);
    eventually(Duration::from_secs(5), || !log.events().is_empty()).await;
    assert_eq!(log.events(), ["terminate after 101: normal"]);
}

#[tokio::test]
async fn a_named_server_outlives_its_handles() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let name = unique_name("kept");
    drop(Worker::start_named(&name, worker(&log, 0)).await.unwrap());
    let found = genserver::whereis::<Worker>(&name).expect("still registered");
    assert_eq!(found.work(0).await.unwrap(), 1);
    within(LIMIT, "the server found by name to stop", found.stop())
        .await
        .unwrap();
    assert_eq!(log.events(), ["terminate after 1: normal"]);
}

#[test]
fn a_runtime_shutting_down_kills_its_servers_and_frees_their_names() {
    let _watchdog = support::watchdog();
    let name = unique_name("runtime-bound");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(Worker::start_named(&name, worker(&Log::default(), 0)))
        .unwrap();
    drop(runtime);
    assert!(genserver::whereis::<Worker>(&name).is_none());
    assert_eq!(server.exit_reason(), Some(ExitReason::Killed));
    assert!(server.bump().is_err());
}

#[derive(Default)]
struct Named;

#[gen_server]
impl Named {
    #[call]
    fn ping(&self) {}
}

/// A caller that finds a server by name and gets `NoProc` finds the name
/// free, or taken by a new server: never still leading to the one that
/// refused it (the name is freed before the mailbox closes).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_name_never_leads_to_a_server_that_refuses_messages() {
    let _watchdog = support::watchdog();
    let name = unique_name("churn");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut lookers = Vec::new();
    for _ in 0..3 {
        let (name, stop) = (name.clone(), std::sync::Arc::clone(&stop));
        lookers.push(tokio::spawn(async move {
            let mut stale = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(found) = genserver::whereis::<Named>(&name)
                    && found.ping().await == Err(CallError::NoProc)
                    && genserver::whereis::<Named>(&name).as_ref() == Some(&found)
                {
                    stale += 1;
                }
                tokio::task::yield_now().await;
            }
            stale
        }));
    }
    for _ in 0..2_000 {
        let named = Named::start_named(name.clone(), Named).await.unwrap();
        named.stop().await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for looker in lookers {
        assert_eq!(within(LIMIT, "the task `looker`", looker).await.unwrap(), 0);
    }
}

/// Holds a handle to another server, strong or weak.
struct Holder {
    strong: Option<ServerRef<Holder>>,
    weak: Option<WeakRef<Holder>>,
}

#[gen_server]
impl Holder {
    #[call]
    fn hold(&mut self, other: ServerRef<Holder>, weakly: bool) {
        if weakly {
            self.weak = Some(other.downgrade());
        } else {
            self.strong = Some(other);
        }
    }
}

/// A cycle of handles keeps both servers running, as a cycle of `Arc`s
/// keeps its values (the README says so); a weak handle on one side
/// breaks it, and both stop once the outside handles are gone.
#[tokio::test]
async fn a_cycle_of_handles_keeps_servers_running_and_a_weak_side_breaks_it() {
    let _watchdog = support::watchdog();
    for weakly in [false, true] {
        let a = Holder::start(Holder {
            strong: None,
            weak: None,
        })
        .await
        .unwrap();
        let b = Holder::start(Holder {
            strong: None,
            weak: None,
        })
        .await
        .unwrap();
        a.hold(b.clone(), false).await.unwrap();
        b.hold(a.clone(), weakly).await.unwrap();
        let (watch_a, watch_b) = (a.monitor(), b.monitor());
        drop((a, b));
        let stopped = tokio::time::timeout(Duration::from_millis(200), async {
            watch_a.await;
            watch_b.await;
        })
        .await;
        assert_eq!(stopped.is_ok(), weakly, "weakly: {weakly}");
    }
}

struct Blocker;

#[gen_server]
impl Blocker {
    #[call]
    fn block(&self, millis: u64) -> u64 {
        std::thread::sleep(Duration::from_millis(millis));
        millis
    }
}

/// On a current-thread runtime, a handler that blocks its thread keeps a
/// call's timeout from firing: the caller waits until the handler returns
/// (the README says so).
#[tokio::test(flavor = "current_thread")]
async fn a_blocking_handler_holds_up_the_timeout_on_one_thread() {
    let _watchdog = support::watchdog();
    let blocker = Blocker::start(Blocker).await.unwrap();
    let started = Instant::now();
    let reply = blocker.block(150).timeout(Duration::from_millis(20)).await;
    assert_eq!(reply, Ok(150));
    assert!(started.elapsed() >= Duration::from_millis(150));
}

/// On two worker threads, the same call times out on time: its caller runs
/// on the other worker (the README says so).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_handler_does_not_hold_up_the_timeout_on_two_workers() {
    let _watchdog = support::watchdog();
    let blocker = Blocker::start(Blocker).await.unwrap();
    let started = Instant::now();
    let reply = blocker
        .block(1_000)
        .timeout(Duration::from_millis(20))
        .await;
    assert_eq!(reply, Err(CallError::Timeout));
    assert!(started.elapsed() < Duration::from_millis(500));
}
