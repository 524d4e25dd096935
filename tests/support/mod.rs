//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A list of events that a server records and a test reads, e.g. to see
/// that `terminate` ran and with which reason.
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, event: impl Into<String>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.into());
    }

    pub fn events(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn contains(&self, event: &str) -> bool {
        self.events().iter().any(|e| e == event)
    }
}

/// Polls `condition` until it holds, failing the test after `limit`.
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A name no other test uses, so tests sharing the process-wide registry
/// cannot interfere.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The tasks alive on the current runtime: servers, and the runtime's
/// driver of call deadlines once a call has waited.
pub fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Awaits `future`, failing the test after `limit` instead of hanging, with
/// a message naming `what` it waited for (with paused time, the limit
/// passes at once when nothing else can happen).
pub async fn within<F: std::future::Future>(limit: Duration, what: &str, future: F) -> F::Output {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("waited {limit:?} for {what}, in vain"))
}

/// How long a test may run before its [`watchdog`] aborts the process.
pub const WATCHDOG_LIMIT: Duration = Duration::from_mins(1);

/// Fails the whole test binary, loudly, if the test that calls this has
/// not finished within [`WATCHDOG_LIMIT`]: a test that hangs (an await on
/// a broken runtime that never completes) says which test it was instead
/// of stalling CI. Its own thread does the waiting, so that it fires even
/// when the test blocks its runtime's threads.
///
/// It stands down when the test's thread ends, not when the test's body
/// does: `#[tokio::test]` drops its runtime after the body, and a runtime
/// whose worker never comes back (a task that spins without yielding)
/// hangs there, after anything the body held is gone. Bind the guard all
/// the same (`let _watchdog = support::watchdog();`): it says where the
/// test is watched from.
#[must_use = "bind the guard for the whole test: `let _watchdog = support::watchdog();`"]
pub fn watchdog() -> Watchdog {
    thread_local! {
        /// The watchdogs of this thread's test, told when the thread ends.
        static WATCHED: std::cell::RefCell<Vec<std::sync::mpsc::Sender<()>>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            finished.recv_timeout(WATCHDOG_LIMIT)
        {
            eprintln!("test {test} did not finish within {WATCHDOG_LIMIT:?}: aborting");
            std::process::abort();
        }
    });
    WATCHED.with_borrow_mut(|watched| watched.push(done));
    Watchdog { _private: () }
}

/// The guard of a [`watchdog`]: the watchdog itself stands down when the
/// test's thread ends (also when the test fails).
pub struct Watchdog {
    _private: (),
}
