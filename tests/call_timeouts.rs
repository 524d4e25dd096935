//! Call timeouts under load (issue 14): 10,000 calls in flight to a server
//! that never answers, on two worker threads, each time out no sooner than
//! its timeout and little later: awaited together by one task (`join_all`),
//! or each by a task of its own while the server blocks a worker thread.

#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use genserver::prelude::*;
use support::{alive_tasks, within};

const CALLS: usize = 10_000;

/// What a timed-out call may take past its timeout: tokio's timer tick
/// (1 ms), plus what a loaded 2-core machine adds in waking 10,000 calls
/// and polling them again (debug build). Anything near a timeout per call
/// armed in turn, or a missed wake-up, is far beyond it.
const LATE: Duration = Duration::from_millis(1 + 250);

#[derive(Default)]
struct Stuck;

#[gen_server]
impl Stuck {
    /// Never returns: the server is stuck in it, its thread free.
    #[call]
    async fn wait_forever(&mut self) {
        std::future::pending::<()>().await;
    }

    /// Holds the server's worker thread for `millis`, once it has said so
    /// on `started`.
    #[call]
    fn block_thread(&mut self, millis: u64, started: tokio::sync::oneshot::Sender<()>) {
        let _ = started.send(());
        std::thread::sleep(Duration::from_millis(millis));
    }

    #[call]
    fn ping(&mut self) {}
}

/// Gets `server` stuck in `wait_forever`, seen by a call that times out.
async fn get_stuck(server: &ServerRef<Stuck>) {
    let waited = server
        .wait_forever()
        .timeout(Duration::from_millis(1))
        .await;
    assert_eq!(waited, Err(CallError::Timeout));
}

/// A server stuck in `wait_forever`.
async fn stuck() -> ServerRef<Stuck> {
    let server = Stuck::start(Stuck).await.unwrap();
    get_stuck(&server).await;
    server
}

/// `call`'s outcome and how long it took from its first poll.
async fn timed<F: Future>(call: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let outcome = call.await;
    (outcome, start.elapsed())
}

/// Every call timed out, none early, none later than `timeout` + [`LATE`].
fn assert_timed_out(outcomes: &[(Result<(), CallError>, Duration)], timeout: Duration) {
    assert_eq!(outcomes.len(), CALLS);
    for (outcome, _) in outcomes {
        assert_eq!(outcome, &Err(CallError::Timeout));
    }
    let earliest = outcomes.iter().map(|(_, took)| *took).min().unwrap();
    let latest = outcomes.iter().map(|(_, took)| *took).max().unwrap();
    assert!(
        earliest >= timeout,
        "a call timed out early, after {earliest:?}"
    );
    assert!(
        latest <= timeout + LATE,
        "a call timed out {:?} late",
        latest.saturating_sub(timeout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_awaited_by_one_task_time_out_with_the_default_timeout() {
    let _watchdog = support::watchdog();
    let server = stuck().await;
    let driver = tokio::spawn({
        let server = server.clone();
        async move { join_all((0..CALLS).map(|_| timed(server.ping().owned()))).await }
    });
    let outcomes = within(Duration::from_secs(10), "10,000 calls", driver)
        .await
        .unwrap();
    assert_timed_out(&outcomes, genserver::DEFAULT_CALL_TIMEOUT);
    // The server is still stuck, and still there.
    assert!(server.is_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_each_in_its_task_time_out_while_the_server_blocks_a_worker() {
    let _watchdog = support::watchdog();
    let server = Stuck::start(Stuck).await.unwrap();
    let timeout = Duration::from_secs(1);
    let (started, blocked) = tokio::sync::oneshot::channel();
    let blocking = tokio::spawn({
        let server = server.clone();
        async move { server.block_thread(3_000, started).no_timeout().await }
    });
    // The calls go once the server is blocked: one sent before the blocking
    // call would be answered.
    within(Duration::from_secs(10), "the server to block", blocked)
        .await
        .unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..CALLS {
        calls.spawn(timed(server.ping().timeout(timeout).owned()));
    }
    let outcomes = within(Duration::from_secs(10), "10,000 calls", calls.join_all()).await;
    assert_timed_out(&outcomes, timeout);
    within(Duration::from_secs(10), "the blocking call", blocking)
        .await
        .unwrap()
        .unwrap();
    // Answered again once unblocked: the timed-out calls were dropped.
    within(Duration::from_secs(10), "a call after", server.ping())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_task_that_times_calls_out_is_spawned_by_the_first_call_that_waits() {
    let _watchdog = support::watchdog();
    let server = Stuck::start(Stuck).await.unwrap();
    // Answered within the server's turn: no deadline, no task of its own.
    for _ in 0..100 {
        server.ping().await.unwrap();
    }
    assert_eq!(alive_tasks(), 1, "the server's task alone");
    get_stuck(&server).await;
    assert_eq!(
        alive_tasks(),
        2,
        "the server's task and the runtime's driver"
    );
    // One driver for the runtime, whatever the number of servers and calls.
    let _other = stuck().await;
    assert_eq!(alive_tasks(), 3);
}

#[tokio::test]
async fn a_call_that_waits_and_moves_to_another_task_times_out_there() {
    let _watchdog = support::watchdog();
    let server = stuck().await;
    let timeout = Duration::from_millis(50);
    let sent = Instant::now();
    let mut call = Box::pin(server.ping().timeout(timeout).owned());
    // Polled twice with a waker that wakes nothing: sent, then, its turn
    // given to the server, waiting on its deadline with that waker. Polled
    // again before its deadline, it is still waiting.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..3 {
        assert!(call.as_mut().poll(&mut cx).is_pending());
    }
    // Its deadline wakes the task that polls it now.
    let moved = tokio::spawn(call);
    let outcome = within(Duration::from_secs(5), "the moved call", moved).await;
    assert_eq!(outcome.unwrap(), Err(CallError::Timeout));
    assert!(sent.elapsed() >= timeout, "timed out early");
}

/// A runtime has one driver, whichever threads start its servers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_started_from_different_threads_share_their_runtime_s_driver() {
    let _watchdog = support::watchdog();
    let runtime = tokio::runtime::Handle::current();
    let servers: Vec<_> = (0..2)
        .map(|_| {
            let runtime = runtime.clone();
            std::thread::spawn(move || runtime.block_on(Stuck::start(Stuck)).unwrap())
                .join()
                .unwrap()
        })
        .collect();
    let before = alive_tasks();
    for server in &servers {
        get_stuck(server).await;
    }
    assert_eq!(alive_tasks(), before + 1, "one driver for the runtime");
}

/// More threads than the runtime's deadlines have shards (four per core):
/// calls waiting from each, sharing shards, all time out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_waiting_from_more_threads_than_shards_all_time_out() {
    let _watchdog = support::watchdog();
    let server = stuck().await;
    let threads = std::thread::available_parallelism().map_or(1, usize::from) * 8 + 8;
    let runtime = tokio::runtime::Handle::current();
    let callers: Vec<_> = (0..threads)
        .map(|_| {
            let server = server.clone();
            let runtime = runtime.clone();
            std::thread::spawn(move || {
                runtime.block_on(timed(server.ping().timeout(Duration::from_millis(20))))
            })
        })
        .collect();
    for caller in callers {
        let (outcome, took) = caller.join().expect("the calling thread panicked");
        assert_eq!(outcome, Err(CallError::Timeout));
        assert!(
            took >= Duration::from_millis(20),
            "timed out after {took:?}"
        );
    }
}

/// Wakes once, then panics at every wake-up.
struct PanicsOnSecondWake(std::sync::atomic::AtomicBool);

impl std::task::Wake for PanicsOnSecondWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        let woken_before = self.0.swap(true, std::sync::atomic::Ordering::SeqCst);
        assert!(!woken_before, "a waker that panics");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waker_that_panics_at_a_timeout_does_not_end_later_timeouts() {
    let _watchdog = support::watchdog();
    let server = stuck().await;
    let waker = std::task::Waker::from(std::sync::Arc::new(PanicsOnSecondWake(
        std::sync::atomic::AtomicBool::new(false),
    )));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut call = Box::pin(server.ping().timeout(Duration::from_millis(5)).owned());
    // Sent, its turn given (the one wake-up that does not panic), armed.
    assert!(call.as_mut().poll(&mut cx).is_pending());
    assert!(call.as_mut().poll(&mut cx).is_pending());
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The driver survived that waker's panic: the next call times out too.
    let next = server.ping().timeout(Duration::from_millis(5));
    let outcome = within(Duration::from_secs(5), "a call after the panic", next).await;
    assert_eq!(outcome, Err(CallError::Timeout));
}

/// A waiting call's deadline is kept by the runtime its server was started
/// on, whose driver times it out: none is spawned on the caller's runtime.
#[tokio::test]
async fn a_call_waits_on_the_deadlines_of_its_server_s_runtime() {
    let _watchdog = support::watchdog();
    let (started, server) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let other = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            started.send(Stuck::start(Stuck).await.unwrap()).unwrap();
            stopped.await.unwrap();
        });
    });
    let server = server.recv().unwrap();
    get_stuck(&server).await;
    assert_eq!(alive_tasks(), 0, "no driver on the caller's runtime");
    stop.send(()).unwrap();
    other.join().unwrap();
}

/// A call waiting on its deadline when its server is killed gets the exit
/// reason at once, not a timeout later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_waiting_on_its_deadline_gets_the_exit_of_a_killed_server() {
    let _watchdog = support::watchdog();
    let server = stuck().await;
    let call = tokio::spawn(server.ping().timeout(Duration::from_secs(30)).owned());
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.kill().await.unwrap();
    let outcome = within(Duration::from_secs(5), "the call's end", call).await;
    assert_eq!(outcome.unwrap(), Err(CallError::Exit(ExitReason::Killed)));
}
