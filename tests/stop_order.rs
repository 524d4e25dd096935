//! How a server's end is published: an idle server whose last handle goes,
//! the order in which a stopping server frees its name, closes its mailbox,
//! tells its watchers and publishes its reason (`ExitGuard::finish`), and
//! the reason a failed `init` leaves to a caller that found the server by
//! name meanwhile.

#![allow(missing_docs)]

mod support;

#[path = "support/node.rs"]
mod node;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{AnyRef, Keys, Registry};
use node::{Event, node};
use support::{Log, unique_name, watchdog, within};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;

const LIMIT: Duration = Duration::from_secs(5);

struct Quiet {
    log: Log,
}

#[gen_server]
impl Quiet {
    #[call]
    fn ping(&self) {}

    #[cast]
    fn poke(&self) {}

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate: {reason}"));
    }
}

/// The last handle of a server that waits for messages, with nothing
/// queued, is dropped: the server is woken and stops with `normal`, as a
/// process nobody can reach is collected. On one thread the server is
/// parked again before the call returns, so the drop finds it waiting.
#[tokio::test(flavor = "current_thread")]
async fn dropping_the_last_handle_of_an_idle_server_wakes_and_stops_it() {
    let _watchdog = watchdog();
    let log = Log::default();
    let server = Quiet::start(Quiet { log: log.clone() }).await.unwrap();
    within(LIMIT, "the reply to ping", server.ping())
        .await
        .unwrap();
    let watch = server.monitor();
    drop(server);
    let down = within(LIMIT, "the idle server's exit", watch).await;
    assert_eq!(down.reason, ExitReason::Normal);
    assert_eq!(log.events(), ["terminate: normal"]);
}

/// A registry value whose drop, once armed, holds the stopping server's
/// thread until an observer elsewhere has looked at the server, or for a
/// short while. Its registry drops it as the server is forgotten, the
/// first step of the server's end: so whatever the observer can see then
/// was published before the name was freed.
#[derive(Clone)]
struct Gate(Arc<GateInner>);

struct GateInner {
    armed: AtomicBool,
    looked: Mutex<Receiver<()>>,
}

impl Drop for Gate {
    fn drop(&mut self) {
        if self.0.armed.swap(false, Ordering::AcqRel) {
            // The observer must not be able to look at all while this runs
            // (in the documented order it is woken only later): the wait is
            // bounded, and long enough for an observer woken too early.
            let looked = self.0.looked.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = looked.recv_timeout(Duration::from_millis(200));
        }
    }
}

/// What an observer that has just seen the reason finds, from a thread and
/// runtime of its own: every step before the reason must show already.
fn observe(
    server: ServerRef<Quiet>,
    name: &str,
    watcher: ServerRef<node::Node>,
    mut events: UnboundedReceiver<Event>,
) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let reason = within(LIMIT, "the server's exit", server.exited()).await;
        let mut wrong = Vec::new();
        if genserver::whereis::<Quiet>(name).is_some() {
            wrong.push(format!("the name still leads to the server ({reason})"));
        }
        if server.poke().is_ok() {
            wrong.push("the mailbox still takes casts".to_owned());
        }
        // Queued behind the watcher's down notice, if it is there already.
        let _ = within(LIMIT, "the watcher's reply", watcher.parent()).await;
        if !matches!(events.try_recv(), Ok(Event::Down(down)) if down.id == server.id()) {
            wrong.push("no down notice at the watcher".to_owned());
        }
        wrong
    })
}

/// `ExitGuard::finish`'s order as an observer on another thread sees it:
/// once the reason can be read, the name is free, the mailbox refuses
/// messages and the monitoring server has its down notice. The registry
/// value's drop holds the stopping server right after its first step, so
/// an observer woken too early would look before the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoever_sees_the_reason_finds_the_name_free_and_the_watchers_told() {
    let _watchdog = watchdog();
    let (look, looked) = channel();
    let gate = Gate(Arc::new(GateInner {
        armed: AtomicBool::new(false),
        looked: Mutex::new(looked),
    }));
    let registry: Registry<u8, Gate> = Registry::new(Keys::Unique);
    let name = unique_name("ordered");
    let options = StartOptions::new()
        .name(&name)
        .via_with_value(&registry, 1, gate.clone());
    let log = Log::default();
    let server = Quiet::start_with(options, Quiet { log }).await.unwrap();
    let (watcher, events) = node(false).await;
    let target = AnyRef::from(server.clone());
    within(LIMIT, "the reply to watch", watcher.watch(target))
        .await
        .unwrap();
    let observer = std::thread::spawn({
        let server = server.clone();
        move || {
            let wrong = observe(server, &name, watcher, events);
            let _ = look.send(());
            wrong
        }
    });
    gate.0.armed.store(true, Ordering::Release);
    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    let wrong = observer.join().unwrap();
    assert!(wrong.is_empty(), "seen with the reason: {wrong:?}");
}

/// A server whose `init` signals that it runs, then fails as told.
struct Doomed;

#[gen_server]
impl Doomed {
    #[init]
    async fn init(
        running: oneshot::Sender<()>,
        go: oneshot::Receiver<()>,
        panics: bool,
    ) -> Result<Self, String> {
        let _ = running.send(());
        let _ = go.await;
        assert!(!panics, "init exploded");
        Err("no luck".into())
    }

    #[call]
    fn ping(&self) {}
}

/// `gen_server_SUITE:start/1`'s failing inits, seen from a caller that
/// found the server by name while `init` ran (the name is taken first, as
/// in OTP): its call, queued behind `init`, gets the exit reason the
/// failure left, the same that `exited` gives; the starter gets the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_found_the_server_during_init_gets_the_reason_it_failed_with() {
    let _watchdog = watchdog();
    for panics in [false, true] {
        let name = unique_name("doomed");
        let (running, in_init) = oneshot::channel();
        let (go, wait) = oneshot::channel();
        let starting = tokio::spawn({
            let name = name.clone();
            async move { Doomed::start_named(&name, running, wait, panics).await }
        });
        within(LIMIT, "init to run", in_init).await.unwrap();
        let found = genserver::whereis::<Doomed>(&name).expect("registered during init");
        let mut call = pin!(found.ping());
        // Sent on its first poll, it waits in the mailbox behind `init`.
        std::future::poll_fn(|cx| {
            assert!(call.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        go.send(()).unwrap();
        let expected = if panics {
            ExitReason::Panic("init exploded".into())
        } else {
            ExitReason::custom("init failed: no luck")
        };
        assert_eq!(
            within(LIMIT, "the queued call's outcome", call).await,
            Err(CallError::Exit(expected.clone())),
            "panics: {panics}"
        );
        assert_eq!(
            within(LIMIT, "the server's exit", found.exited()).await,
            expected
        );
        let started = within(LIMIT, "the task `starting`", starting)
            .await
            .unwrap();
        match (started, panics) {
            (Err(StartError::Exit(reason)), true) => assert_eq!(reason, expected),
            (Err(StartError::Init(error)), false) => assert_eq!(error, "no luck"),
            (other, _) => panic!("unexpected start: {:?}", other.map(|_| ())),
        }
        assert!(genserver::whereis::<Doomed>(&name).is_none());
    }
}

/// What a killed server's state sees as it is dropped.
struct Witness {
    me: Option<WeakRef<Witness>>,
    /// The exit reason the state found published as it was dropped.
    seen: Arc<Mutex<Vec<Option<ExitReason>>>>,
}

impl Drop for Witness {
    fn drop(&mut self) {
        let reason = self
            .me
            .as_ref()
            .and_then(WeakRef::upgrade)
            .and_then(|me| me.exit_reason());
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(reason);
    }
}

#[gen_server]
impl Witness {
    #[call]
    fn remember(&mut self, me: WeakRef<Witness>) {
        self.me = Some(me);
    }
}

/// A killed server's state is dropped before its end is published, on
/// either kind of runtime: a kill that returns finds it dropped (see
/// `tests/kill.rs`), and the state, as it is dropped, finds no exit reason
/// yet. Fails every time if the task's guard, which publishes the end, is
/// dropped first.
#[test]
fn a_killed_servers_state_is_dropped_before_its_end_is_published() {
    let _watchdog = watchdog();
    for flavor in [false, true] {
        let runtime = if flavor {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .unwrap();
        runtime.block_on(async {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let server = Witness::start(Witness {
                me: None,
                seen: Arc::clone(&seen),
            })
            .await
            .unwrap();
            server.remember(server.downgrade()).await.unwrap();
            within(LIMIT, "the kill", server.kill()).await.unwrap();
            let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
            assert_eq!(seen, [None], "the state saw the end published");
            assert_eq!(server.exit_reason(), Some(ExitReason::Killed));
        });
    }
}
