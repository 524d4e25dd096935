//! Kill: it returns in bounded time with the server's end published (name
//! free, reason set, links and monitors told), even when a handler or
//! `init` blocks its thread; and the code the blocked handler runs after
//! the kill changes nothing: no reply, no message handled, no link, no
//! child, no `terminate`.

#![allow(missing_docs)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use genserver::prelude::*;
use support::{eventually, unique_name, within};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

/// How long a test waits for anything before it fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(10);

/// How long a handler or `init` blocks its thread; a kill must return long
/// before.
const BLOCK: Duration = Duration::from_secs(1);

/// What a kill may take, grace and scheduling included: a fraction of `BLOCK`.
const KILL_BOUND: Duration = Duration::from_millis(400);

/// What the tests watch a blocking server by.
#[derive(Clone)]
struct Probe {
    /// Told when a blocking handler or `init` has begun.
    entered: UnboundedSender<()>,
    /// How many casts were handled.
    handled: Arc<AtomicUsize>,
    /// Set when the state is dropped.
    dropped: Arc<AtomicBool>,
    terminated: Arc<AtomicBool>,
}

impl Probe {
    fn new() -> (Self, UnboundedReceiver<()>) {
        let (entered, rx) = unbounded_channel();
        let probe = Self {
            entered,
            handled: Arc::default(),
            dropped: Arc::default(),
            terminated: Arc::default(),
        };
        (probe, rx)
    }
}

struct Blocker {
    probe: Probe,
}

impl Drop for Blocker {
    fn drop(&mut self) {
        self.probe.dropped.store(true, Ordering::SeqCst);
    }
}

#[gen_server]
impl Blocker {
    #[init]
    fn init(probe: Probe, block_in_init: bool) -> Self {
        if block_in_init {
            probe.entered.send(()).unwrap();
            std::thread::sleep(BLOCK);
        }
        Self { probe }
    }

    /// Blocks its thread, then replies.
    #[call]
    fn block(&mut self) -> u64 {
        self.probe.entered.send(()).unwrap();
        std::thread::sleep(BLOCK);
        7
    }

    /// Blocks its thread, then links to `other` and starts a linked child
    /// named `child`.
    #[cast]
    async fn block_then_link(
        &mut self,
        other: ServerRef<Idle>,
        child: String,
        ctx: &mut Context<Self>,
    ) {
        self.probe.entered.send(()).unwrap();
        std::thread::sleep(BLOCK);
        let _ = ctx.link(&other);
        let options = StartOptions::new().name(child).link();
        let _ = Idle::start_with(options, Idle).await;
    }

    /// Waits (without blocking) until `gate` opens, so that what is sent
    /// meanwhile reaches the server as one batch.
    #[cast]
    async fn hold(&mut self, gate: oneshot::Receiver<()>) {
        let _ = gate.await;
    }

    #[cast]
    fn count(&mut self) {
        self.probe.handled.fetch_add(1, Ordering::SeqCst);
    }

    #[terminate]
    fn terminate(&mut self) {
        self.probe.terminated.store(true, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct Idle;

#[gen_server]
impl Idle {
    #[call]
    fn ping(&self) {}
}

/// How many messages `server` has taken, and how many wait in its mailbox.
fn mailbox<T: GenServer>(server: &ServerRef<T>) -> (u64, usize) {
    genserver::sys::processes()
        .into_iter()
        .find(|process| process.id == server.id())
        .map_or((0, 0), |process| (process.messages_in, process.mailbox_len))
}

async fn timed_kill<T: GenServer>(server: &ServerRef<T>) -> Duration {
    let began = Instant::now();
    within(LIMIT, "the kill", server.kill()).await.unwrap();
    began.elapsed()
}

/// A kill of a server whose handler blocks its thread returns at once, the
/// end published: the reason set, the name free and free to take again,
/// monitors told. Once the handler returns, its reply
/// is not sent (the caller gets the kill's reason), the casts taken with
/// it are not handled, `terminate` does not run, and the state is
/// dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_returns_at_once_while_a_handler_blocks_its_thread() {
    let _watchdog = support::watchdog();
    let (probe, mut entered) = Probe::new();
    let name = unique_name("blocker");
    let server = Blocker::start_named(&name, probe.clone(), false)
        .await
        .unwrap();
    let watching = server.monitor();
    // The blocking call and three casts reach the server as one batch:
    // the casts wait in the server's task, not in its mailbox, when the
    // kill comes.
    let (open, gate) = oneshot::channel();
    server.hold(gate).unwrap();
    let call = tokio::spawn({
        let server = server.clone();
        async move { server.block().timeout(LIMIT).await }
    });
    // `hold` taken, the call queued behind it.
    eventually(LIMIT, || mailbox(&server) == (1, 1)).await;
    for _ in 0..3 {
        server.count().unwrap();
    }
    open.send(()).unwrap();
    within(LIMIT, "the handler to begin blocking", entered.recv())
        .await
        .unwrap();

    let took = timed_kill(&server).await;

    assert!(took < KILL_BOUND, "the kill took {took:?}");
    assert_eq!(server.exit_reason(), Some(ExitReason::Killed));
    assert!(!server.is_alive());
    assert!(genserver::whereis::<Blocker>(&name).is_none());
    assert!(matches!(server.count(), Err(CastError::NoProc(_))));
    assert_eq!(
        within(LIMIT, "the monitor's down notice", watching)
            .await
            .reason,
        ExitReason::Killed,
        "monitors are told"
    );
    let (again, _) = Probe::new();
    let successor = Blocker::start_named(&name, again, false).await.unwrap();
    assert_ne!(successor, server);

    // The handler returns a second later: nothing it does counts.
    assert_eq!(
        within(LIMIT, "the blocked call's end", call).await.unwrap(),
        Err(CallError::Exit(ExitReason::Killed)),
        "the reply is not sent"
    );
    eventually(LIMIT, || probe.dropped.load(Ordering::SeqCst)).await;
    assert_eq!(probe.handled.load(Ordering::SeqCst), 0, "queued casts");
    assert!(!probe.terminated.load(Ordering::SeqCst), "terminate");
    within(LIMIT, "the successor's stop", successor.stop())
        .await
        .unwrap();
}

/// What a handler does after the kill, once it stops blocking, leaves no
/// trace: the server it links to is not linked to the dead server, and the
/// child it starts linked gets a `noproc` exit signal, as a link to a
/// process that is gone gives, so its name is freed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_handler_links_to_nothing_and_starts_no_child_after_a_kill() {
    let _watchdog = support::watchdog();
    let (probe, mut entered) = Probe::new();
    let server = Blocker::start(probe.clone(), false).await.unwrap();
    let other = Idle::start(Idle).await.unwrap();
    let child = unique_name("orphan");
    server
        .block_then_link(other.clone(), child.clone())
        .unwrap();
    within(LIMIT, "the handler to begin blocking", entered.recv())
        .await
        .unwrap();
    let took = timed_kill(&server).await;
    assert!(took < KILL_BOUND, "the kill took {took:?}");

    eventually(LIMIT, || probe.dropped.load(Ordering::SeqCst)).await;
    eventually(LIMIT, || genserver::whereis::<Idle>(&child).is_none()).await;
    let links = genserver::sys::processes()
        .into_iter()
        .find(|process| process.id == other.id())
        .expect("the other server runs")
        .links;
    assert_eq!(links, [], "no link to the dead server");
    within(LIMIT, "the other server's reply", other.ping())
        .await
        .unwrap();
}

/// A server found by name while its `init` blocks the thread is killed at
/// once; its start then fails with the kill's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_returns_at_once_while_init_blocks_its_thread() {
    let _watchdog = support::watchdog();
    let (probe, mut entered) = Probe::new();
    let name = unique_name("slow-init");
    let start = tokio::spawn({
        let (name, probe) = (name.clone(), probe.clone());
        async move { Blocker::start_named(name, probe, true).await.err() }
    });
    within(LIMIT, "the handler to begin blocking", entered.recv())
        .await
        .unwrap();
    let server = genserver::whereis::<Blocker>(&name).expect("named before init");

    let took = timed_kill(&server).await;

    assert!(took < KILL_BOUND, "the kill took {took:?}");
    assert!(genserver::whereis::<Blocker>(&name).is_none());
    assert!(matches!(
        within(LIMIT, "the start's end", start).await.unwrap(),
        Some(StartError::Exit(ExitReason::Killed))
    ));
    eventually(LIMIT, || probe.dropped.load(Ordering::SeqCst)).await;
}

/// A server waiting for messages is dropped by its runtime as soon as it
/// is killed: its state is gone by the time the kill returns, on either
/// kind of runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_of_a_waiting_server_drops_its_state_before_it_returns() {
    let _watchdog = support::watchdog();
    for _ in 0..100 {
        let (probe, _entered) = Probe::new();
        let server = Blocker::start(probe.clone(), false).await.unwrap();
        within(LIMIT, "the kill", server.kill()).await.unwrap();
        assert!(probe.dropped.load(Ordering::SeqCst));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_kill_on_one_thread_drops_the_state_before_it_returns() {
    let _watchdog = support::watchdog();
    let (probe, _entered) = Probe::new();
    let server = Blocker::start(probe.clone(), false).await.unwrap();
    within(LIMIT, "the kill", server.kill()).await.unwrap();
    assert!(probe.dropped.load(Ordering::SeqCst));
}
