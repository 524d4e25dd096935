//! Cancellation at every await point: a `call`, a `start`, a `stop` and an
//! `exited` dropped after each of their polls, in turn, leave the server
//! consistent: a sent call is handled and the server answers the next one;
//! a dropped start leaves a server that stops once it is unreachable (or
//! runs on under its name), never a stale name; a stop once queued still
//! stops the server; a dropped wait for the exit costs nothing. Issue
//! 16's stress suite.

#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use genserver::prelude::*;
use support::{eventually, unique_name, within};

const LIMIT: Duration = Duration::from_secs(10);

/// How many polls a future is given at most: each test checks that the
/// future completes within it, so that every await point was cut.
const POLLS: usize = 64;

/// Polls `future` at most `polls` times, each time it is woken, then drops
/// it: cut after its `polls`-th resumption. Its output if it finished.
async fn cut_after<F: Future>(polls: usize, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut left = polls;
    std::future::poll_fn(|cx| {
        if left == 0 {
            return Poll::Ready(None);
        }
        left -= 1;
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

#[derive(Clone, Default)]
struct Counters {
    inits: Arc<AtomicUsize>,
    handled: Arc<AtomicUsize>,
    terminated: Arc<AtomicUsize>,
}

struct Slow {
    counters: Counters,
}

#[gen_server]
impl Slow {
    /// Awaits a few times, so that a start has await points inside `init`.
    #[init]
    async fn init(counters: Counters) -> Self {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        counters.inits.fetch_add(1, Ordering::SeqCst);
        Self { counters }
    }

    /// Awaits a few times before it replies.
    #[call]
    async fn work(&mut self) -> usize {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        self.counters.handled.fetch_add(1, Ordering::SeqCst) + 1
    }

    #[terminate]
    async fn terminate(&mut self) {
        tokio::task::yield_now().await;
        self.counters.terminated.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs `test` for every number of polls before the cut, on a
/// current-thread runtime (each cut at the same point every time) and on
/// two worker threads (each cut 200 times), until the future it cuts completes uncut (`test`
/// returns `true` then); fails if that never happens within `POLLS`.
fn at_every_point<F: Future<Output = bool>>(test: impl Fn(usize) -> F) {
    for multi in [false, true] {
        let mut builder = if multi {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        } else {
            tokio::runtime::Builder::new_current_thread()
        };
        let runtime = builder.enable_all().build().unwrap();
        // On two threads, where the server has got to at the cut varies:
        // each cut is made many times.
        let rounds = if multi { 200 } else { 1 };
        let uncut = (0..POLLS).find(|&polls| {
            let completed: Vec<bool> = (0..rounds).map(|_| runtime.block_on(test(polls))).collect();
            completed.contains(&true)
        });
        assert!(
            uncut.is_some(),
            "done within {POLLS} polls (multi-thread: {multi})"
        );
    }
}

/// How many `Slow` servers are running.
fn running() -> usize {
    genserver::sys::processes()
        .iter()
        .filter(|process| process.type_name.ends_with("Slow"))
        .count()
}

/// A call cut at any point: once sent, the server handles it anyway, and
/// answers the next call with the count that shows it.
#[test]
fn a_call_cut_at_any_point() {
    let _watchdog = support::watchdog();
    at_every_point(|polls| async move {
        let counters = Counters::default();
        let server = Slow::start(counters).await.unwrap();
        let finished = cut_after(polls, server.work()).await;
        let sent = polls > 0;
        let next = within(LIMIT, "the reply to work", server.work())
            .await
            .unwrap();
        assert_eq!(next, usize::from(sent) + 1, "cut after {polls} polls");
        if let Some(reply) = &finished {
            assert_eq!(reply, &Ok(1));
        }
        within(LIMIT, "the stop", server.stop()).await.unwrap();
        finished.is_some()
    });
}

/// A start cut at any point, `init` included: the server, once spawned,
/// finishes `init`, finds no handle left and stops, running `terminate`;
/// nothing is left running.
#[test]
fn a_start_cut_at_any_point() {
    let _watchdog = support::watchdog();
    at_every_point(|polls| async move {
        let counters = Counters::default();
        let finished = cut_after(polls, Slow::start(counters.clone())).await;
        let completed = finished.is_some();
        if let Some(server) = finished {
            within(LIMIT, "the stop", server.unwrap().stop())
                .await
                .unwrap();
        }
        let Counters {
            inits, terminated, ..
        } = &counters;
        eventually(LIMIT, || {
            inits.load(Ordering::SeqCst) == terminated.load(Ordering::SeqCst)
        })
        .await;
        assert!(inits.load(Ordering::SeqCst) <= 1);
        eventually(LIMIT, || running() == 0).await;
        completed
    });
}

/// A named start cut at any point: the name is free, or leads to a server
/// that runs and answers; never to one that refuses messages.
#[test]
fn a_named_start_cut_at_any_point() {
    let _watchdog = support::watchdog();
    at_every_point(|polls| async move {
        let name = unique_name("cut");
        let counters = Counters::default();
        let finished = cut_after(polls, Slow::start_named(&name, counters.clone())).await;
        let completed = finished.is_some();
        if let Some(started) = finished {
            // Named: it runs on without this handle.
            let _ = started.unwrap();
        }
        // Once spawned, `init` ends and the server runs on under its name.
        eventually(LIMIT, || {
            genserver::whereis::<Slow>(&name).is_none()
                || counters.inits.load(Ordering::SeqCst) == 1
        })
        .await;
        if let Some(server) = genserver::whereis::<Slow>(&name) {
            assert_eq!(
                within(LIMIT, "the reply to work", server.work()).await,
                Ok(1)
            );
            within(LIMIT, "the stop", server.stop()).await.unwrap();
        } else {
            assert_eq!(counters.inits.load(Ordering::SeqCst), 0, "no stale name");
        }
        completed
    });
}

/// A stop cut at any point: once its request is queued, the server stops
/// anyway, running `terminate`; before that, it runs on.
#[test]
fn a_stop_cut_at_any_point() {
    let _watchdog = support::watchdog();
    at_every_point(|polls| async move {
        let counters = Counters::default();
        let server = Slow::start(counters.clone()).await.unwrap();
        let finished = cut_after(polls, server.stop()).await;
        if polls == 0 {
            assert!(server.is_alive());
            assert_eq!(
                within(LIMIT, "the reply to work", server.work()).await,
                Ok(1)
            );
            within(LIMIT, "the stop", server.stop()).await.unwrap();
        }
        assert_eq!(
            within(LIMIT, "the server's exit", server.exited()).await,
            ExitReason::Normal
        );
        assert_eq!(counters.terminated.load(Ordering::SeqCst), 1);
        if let Some(stopped) = &finished {
            assert_eq!(stopped, &Ok(()));
        }
        finished.is_some()
    });
}

/// A wait for the exit cut at any point, while the server stops: a later
/// wait still gets the reason.
#[test]
fn an_exited_cut_at_any_point() {
    let _watchdog = support::watchdog();
    at_every_point(|polls| async move {
        let server = Slow::start(Counters::default()).await.unwrap();
        let stopping = tokio::spawn({
            let server = server.clone();
            async move { server.stop_with(ExitReason::Shutdown, LIMIT).await }
        });
        let finished = cut_after(polls, server.exited()).await;
        assert_eq!(
            within(LIMIT, "the server's exit", server.exited()).await,
            ExitReason::Shutdown
        );
        assert_eq!(
            within(LIMIT, "the stopping task", stopping).await.unwrap(),
            Ok(())
        );
        if let Some(reason) = &finished {
            assert_eq!(reason, &ExitReason::Shutdown);
        }
        finished.is_some()
    });
}
