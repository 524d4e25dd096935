//! Call timeouts without a timer per call.
//!
//! A waiting call does not arm a tokio timer of its own: it joins a list of
//! its runtime's [`Deadlines`], one list per timeout, and one task per
//! runtime (the driver, spawned by the first call that waits) sleeps until
//! the earliest deadline of all and wakes the calls that are due. Joining a
//! list and leaving it are a few stores under a lock that is rarely
//! contended (the lists are sharded by thread), against two operations on
//! tokio's timer wheel for a timer per call; and since calls with the same
//! timeout expire in the order they were armed, a list is a queue, whatever
//! the number of calls waiting.
//!
//! Most calls are answered within the server's next turn, and do without
//! even that: a call still waiting after sending gives up its task's turn
//! once (it wakes itself and returns), so that the server can run, and
//! joins a list only if it is still waiting when its task runs again. One
//! call per task does so at a time, its [`Turn`]: a combinator that polls
//! many futures in one task (`join_all`, `FuturesUnordered`) yields to the
//! scheduler when its futures keep waking themselves, and would run a turn
//! per pair of calls; the other calls of such a task join their lists at
//! once.
//!
//! The driver sleeps on tokio's clock, so a paused clock
//! (`tokio::time::pause`) moves call timeouts as it moves every other timer.
//! Its sleep is left armed when the calls it was for are answered early: it
//! wakes once at that deadline, finds nothing due, and parks until a call
//! arms a deadline again. A runtime without tokio's time driver has no
//! [`Deadlines`], and calls with a timeout to its servers fail at once
//! ([`CallError::NoTimeDriver`](crate::CallError::NoTimeDriver)).

mod shard;

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::runtime::{Handle, Id};
use tokio::sync::Notify;
use tokio::time::Instant;

use shard::{Shard, Slot};

/// The call deadlines of one runtime, and what wakes its driver.
pub(crate) struct Deadlines {
    shards: Box<[Padded]>,
    /// When the driver looks next, in nanoseconds after `base`; `u64::MAX`
    /// while it is looking or parked without a deadline. A call whose
    /// deadline comes earlier wakes it.
    next: AtomicU64,
    base: Instant,
    wake: Notify,
    /// Where the driver runs, spawned by the first call that arms a
    /// deadline: a runtime whose calls never wait has no driver task.
    runtime: Handle,
    driving: AtomicBool,
    this: Weak<Deadlines>,
}

/// A shard and the count of calls that expired there, on a cache line of
/// its own.
#[repr(align(128))]
#[derive(Default)]
struct Padded {
    shard: Mutex<Shard>,
    /// Read without the lock: while it has not moved, no call armed since
    /// has expired.
    expired: AtomicU64,
}

/// A call's place in its runtime's deadlines. Dropping it takes the call
/// off its list.
pub(crate) struct Armed<'a> {
    deadlines: &'a Deadlines,
    shard: u32,
    slot: Slot,
    /// The shard's count of expired calls when the waker was last handed
    /// over, and that waker's identity: a call polled again by the same
    /// task, with no call of its shard expired since, is still waiting, and
    /// its list holds the right waker, which needs no lock to know.
    expired: u64,
    waker: (usize, usize),
}

/// What tells two wakers apart, as [`Waker::will_wake`] does.
fn identity(waker: &Waker) -> (usize, usize) {
    (
        waker.data() as usize,
        std::ptr::from_ref(waker.vtable()) as usize,
    )
}

impl Deadlines {
    fn new(runtime: Handle, this: Weak<Self>) -> Self {
        // More shards than threads, so that the workers, given shards in
        // turn with every other thread that arms a deadline, seldom share one.
        let shards = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .saturating_mul(4)
            .next_power_of_two()
            .min(256);
        Self {
            shards: (0..shards).map(|_| Padded::default()).collect(),
            next: AtomicU64::new(u64::MAX),
            base: Instant::now(),
            wake: Notify::new(),
            runtime,
            driving: AtomicBool::new(false),
            this,
        }
    }

    fn shard(&self, index: u32) -> MutexGuard<'_, Shard> {
        // No user code runs under a shard's lock (wakers are cloned before
        // it is taken, dropped and woken after): no panic can poison it.
        self.shards[index as usize]
            .shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The driver's clock reading for `at`: nanoseconds since the
    /// deadlines were made (a deadline more than 584 years away reads as
    /// the sentinel of a parked driver, which it never needs to wake).
    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Arms a deadline `timeout` from now for a call that `waker` wakes;
    /// `None` when `timeout` is so long that it can never come.
    pub(crate) fn arm(&self, timeout: Duration, waker: &Waker) -> Option<Armed<'_>> {
        let deadline = Instant::now().checked_add(timeout)?;
        let shard = this_thread_shard() & (self.shards.len() - 1);
        let shard = u32::try_from(shard).unwrap_or(0);
        // Read before the insert: an expiry that follows it moves the count.
        let expired = self.shards[shard as usize].expired.load(Ordering::Acquire);
        let waker_clone = waker.clone();
        let slot = self.shard(shard).insert(deadline, timeout, waker_clone);
        // Read after the insert is published by the unlock: a driver that
        // set `next` afterwards has seen the call (see `drive`).
        if self.nanos(deadline) < self.next.load(Ordering::SeqCst) {
            self.wake.notify_one();
        }
        if !self.driving.load(Ordering::Relaxed)
            && !self.driving.swap(true, Ordering::AcqRel)
            && let Some(this) = self.this.upgrade()
        {
            // The driver's handle keeps the deadlines alive until the
            // runtime shuts down; it looks at every shard first.
            drop(self.runtime.spawn(drive(this)));
        }
        Some(Armed {
            deadlines: self,
            shard,
            slot,
            expired,
            waker: identity(waker),
        })
    }

    /// Expires what is due by `now` in every shard; the earliest deadline left.
    fn expire(&self, now: Instant) -> Option<Instant> {
        let mut expired = Vec::new();
        let mut earliest: Option<Instant> = None;
        for (index, padded) in self.shards.iter().enumerate() {
            let next = {
                let mut shard = self.shard(u32::try_from(index).unwrap_or(0));
                let next = shard.expire(now, &mut expired);
                if !expired.is_empty() {
                    // Under the lock, so that a call that reads the count
                    // unmoved after taking the lock is still waiting.
                    padded.expired.fetch_add(1, Ordering::Release);
                }
                next
            };
            earliest = match (earliest, next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            // Woken outside the lock: a waker may run code of its own, and
            // a panic in it must not end the driver, and with it every
            // later timeout on the runtime.
            for waker in expired.drain(..) {
                crate::panic::catch_and_log("waking a call that timed out", || waker.wake());
            }
        }
        earliest
    }
}

impl Armed<'_> {
    /// Whether the deadline is still to come; if so, the call is woken
    /// with `waker` when it does.
    pub(crate) fn refresh(&mut self, waker: &Waker) -> bool {
        let padded = &self.deadlines.shards[self.shard as usize];
        let expired = padded.expired.load(Ordering::Acquire);
        if identity(waker) == self.waker {
            if expired == self.expired {
                return true;
            }
            let waiting = self.deadlines.shard(self.shard).holds(self.slot);
            self.expired = expired;
            return waiting;
        }
        let new = waker.clone();
        let refreshed = self.deadlines.shard(self.shard).refresh(self.slot, new);
        self.expired = expired;
        self.waker = identity(waker);
        // The waker replaced (or refused) is dropped here, after the lock.
        refreshed.is_ok()
    }
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        let waker = self.deadlines.shard(self.shard).cancel(self.slot);
        drop(waker);
    }
}

/// The driver: expires due calls, then sleeps until the next deadline or
/// until a call arms an earlier one.
async fn drive(deadlines: Arc<Deadlines>) {
    let mut sleep = pin!(tokio::time::sleep(Duration::ZERO));
    loop {
        // Set before looking: a call armed from now on, whose shard may
        // already have been looked at, wakes the driver to look again.
        deadlines.next.store(u64::MAX, Ordering::SeqCst);
        let earliest = deadlines.expire(Instant::now());
        let mut notified = pin!(deadlines.wake.notified());
        match earliest {
            None => notified.await,
            Some(at) => {
                deadlines.next.store(deadlines.nanos(at), Ordering::SeqCst);
                sleep.as_mut().reset(at);
                poll_fn(|cx| {
                    if notified.as_mut().poll(cx).is_ready() || sleep.as_mut().poll(cx).is_ready() {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
                .await;
            }
        }
    }
}

thread_local! {
    /// This thread's shard, chosen round-robin as the thread first arms a
    /// deadline, so that the workers of a runtime seldom share a lock.
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
    /// The task of the call that holds its task's [`Turn`] on this thread.
    static TURN: Cell<Option<Runs>> = const { Cell::new(None) };
    /// The runtime this thread last started a server on, and its deadlines.
    static CURRENT: RefCell<Option<(Id, Option<Arc<Deadlines>>)>> = const { RefCell::new(None) };
}

/// A waiting call's claim on its task's next turn: while it is held, the
/// other calls of the task join their deadline lists at once. Dropping it
/// (as the call is polled again, or dropped) gives the claim back.
pub(crate) struct Turn {
    task: Runs,
}

/// What runs a call: a tokio task, or the future that `block_on` runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Runs {
    Task(tokio::task::Id),
    BlockOn,
}

impl Turn {
    /// Claims the current task's turn, if no call of the task holds it.
    pub(crate) fn claim() -> Option<Self> {
        let task = tokio::task::try_id().map_or(Runs::BlockOn, Runs::Task);
        TURN.with(|turn| {
            (turn.get() != Some(task)).then(|| {
                turn.set(Some(task));
                Self { task }
            })
        })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        TURN.with(|turn| {
            if turn.get() == Some(self.task) {
                turn.set(None);
            }
        });
    }
}

fn this_thread_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    SHARD.with(|shard| {
        if shard.get() == usize::MAX {
            shard.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        shard.get()
    })
}

/// Every runtime's deadlines, while any server or call holds them.
static ALL: Mutex<Vec<(Id, Weak<Deadlines>)>> = Mutex::new(Vec::new());

/// The deadlines of `runtime`, made by the first server started there;
/// `None` if it has no time driver.
pub(crate) fn of_runtime(runtime: &Handle) -> Option<Arc<Deadlines>> {
    let id = runtime.id();
    if let Some(found) = CURRENT.with_borrow(|current| {
        current
            .as_ref()
            .filter(|(current, _)| *current == id)
            .map(|(_, deadlines)| deadlines.clone())
    }) {
        return found;
    }
    let found = {
        let mut all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|(_, deadlines)| deadlines.strong_count() > 0);
        let known = all
            .iter()
            .find(|(known, _)| *known == id)
            .and_then(|(_, deadlines)| deadlines.upgrade());
        known.or_else(|| {
            crate::panic::has_time_driver().then(|| {
                let deadlines =
                    Arc::new_cyclic(|this| Deadlines::new(runtime.clone(), this.clone()));
                all.push((id, Arc::downgrade(&deadlines)));
                deadlines
            })
        })
    };
    CURRENT.set(Some((id, found.clone())));
    found
}

#[cfg(test)]
mod tests;
