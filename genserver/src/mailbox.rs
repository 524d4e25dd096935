//! A server's mailbox: what travels through it, and the queue itself.
//!
//! Every request a server receives is an [`Envelope`] in one FIFO queue, so
//! everything one client sends is handled in the order it was sent, whatever
//! its kind. New kinds of request (exit signals from links, `Down` notices
//! from monitors, system requests) are new variants here, handled by the
//! receive loop in [`crate::lifecycle`]. The server's timers live under the
//! same lock (see [`crate::timer`]): an expired timer joins the queue as a
//! token.
//!
//! The queue lives inline in the server's shared state and allocates nothing
//! until the first message arrives, so an idle server costs no queue memory
//! (tokio's unbounded channel allocates a block of 32 slots, and an `Arc` of
//! its own, up front). Senders push under a mutex; the receiver swaps the
//! whole queue out under the same mutex and then works through the batch
//! without locking. The receiver spends tokio's cooperative budget for each
//! message, as tokio's own channels do, so a flooded server still yields to
//! the other tasks of its thread.
//!
//! After a burst, the queues keep the capacity they grew to, so that a
//! server under steady load does not reallocate them. Once the mailbox has
//! stayed empty for [`RELEASE_AFTER`], the receiver gives back what is
//! beyond [`SPARE`] slots ([`Mailbox::release`]); a handler that asks to
//! hibernate has it given back at once.
//!
//! # Why there is no model check
//!
//! tokio model-checks its channels with `loom` because they are lock-free:
//! their correctness lives in the orderings of atomic operations, which
//! tests on real hardware explore poorly. This mailbox has no such code.
//! Every decision that two threads could race on is made under its one
//! mutex, so each operation takes effect at a single point, and the
//! interleavings a model checker would enumerate are just the orders in
//! which those critical sections run, each of which the tests produce:
//! - a send checks `closed` under the lock that [`Mailbox::close`] sets it
//!   under: a message is either refused, or in the queue that `close`
//!   takes (and its caller reads the exit reason), never accepted and lost;
//! - the receiver registers its waker under the lock, in the same critical
//!   section that found the queue empty, and a sender takes it under the
//!   lock: no wake-up is lost;
//! - "no handle left" is decided under the lock too
//!   ([`Mailbox::set_unreachable_if`] reads the count there); a count
//!   rises from zero only in the server's own task, which then marks the
//!   mailbox reachable under the lock, and a weak handle upgrades only
//!   from a count above zero;
//! - the exit steps (name freed, mailbox closed, watchers and links told,
//!   reason set, queue dropped; see `lifecycle::publish_end`) run one after
//!   another on one thread, each publishing through a lock or a release
//!   store that its observers read through the same lock or an acquire
//!   load, so every observer sees them in that order. Which of the task
//!   and a kill publishes them is decided by one `swap` of the server's
//!   `ending` flag. The reason's waiters create their `Notified` before
//!   they look at the reason ([`ExitSignal::wait`](crate::exit::ExitSignal)),
//!   which tokio's `Notify` guarantees cannot miss the `notify_waiters`.
//!
//! What remains outside the lock is counters for `sys` (read without any
//! ordering promise) and the handle count's decrement, whose zero is
//! re-checked under the lock. The orders themselves are tested on two
//! worker threads: tests/stop.rs, tests/stress.rs, tests/load.rs and
//! tests/kill.rs.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::link::{Down, LinkSlot, Links};
use crate::sys::Request;
use crate::timer::{Kind, Removed, Taken, TimerKey, Timers};
use crate::{ExitReason, GenServer};

/// How many slots an empty queue may keep: beyond this, an idle server's
/// queues are freed, so a burst leaves no memory behind, while a server
/// whose traffic comes in small batches does not reallocate for each.
pub(crate) const SPARE: usize = 64;

/// How long a mailbox holding more than [`SPARE`] slots must stay empty
/// before they are given back: bursts closer together than this reuse them.
pub(crate) const RELEASE_AFTER: std::time::Duration = std::time::Duration::from_millis(100);

/// One entry in a server's mailbox.
pub(crate) enum Envelope<T: GenServer> {
    /// A call or a cast: the server's own message type, built by its client.
    Message(T::Message),
    /// An info message sent to the server.
    Info(T::Info),
    /// A timer of the server's expired: its message is still in the table.
    Timer(TimerKey),
    /// A request to stop with this reason once everything before it is handled.
    Stop(ExitReason),
    /// A server this one monitors has stopped. Boxed: notices are rare, and
    /// every slot of the queue is as large as its largest kind.
    Down(Box<Down>),
    /// A system request (`:sys`), answered between two messages.
    System(Request),
}

/// What a closed mailbox still held: the queue, the timers and the links.
pub(crate) type Closed<T> = (
    VecDeque<Envelope<T>>,
    Option<Box<Timers<<T as GenServer>::Info>>>,
    Option<Box<Links>>,
);

/// What the receiver finds in the mailbox.
pub(crate) enum Recv<T: GenServer> {
    /// The next envelope.
    Envelope(Envelope<T>),
    /// The mailbox is empty and no handle to the server is left: nothing can
    /// arrive any more.
    Unreachable,
    /// The mailbox is empty; the receiver is woken when that changes, and
    /// should wake itself up at `next_timer`, the earliest deadline of the
    /// server's timers. `oversized` when it holds more than [`SPARE`] slots.
    Empty {
        next_timer: Option<Instant>,
        oversized: bool,
    },
}

impl<T: GenServer> Shared<T> {
    /// The timers, once none is live: their table is freed (by the caller,
    /// outside the lock) until the next one is armed.
    fn take_timers_if_none_live(&mut self) -> Option<Box<Timers<T::Info>>> {
        if self
            .timers
            .as_ref()
            .is_some_and(|timers| timers.live() == 0)
        {
            self.timers.take()
        } else {
            None
        }
    }
}

/// The next envelope of the batch the receiver took last, spending
/// cooperative budget as [`Mailbox::poll_recv`] does.
#[inline]
pub(crate) fn poll_batch<T: GenServer>(
    batch: &mut VecDeque<Envelope<T>>,
    cx: &mut Context<'_>,
) -> Poll<Option<Envelope<T>>> {
    let coop = ready!(tokio::task::coop::poll_proceed(cx));
    let envelope = batch.pop_front();
    if envelope.is_some() {
        coop.made_progress();
    }
    Poll::Ready(envelope)
}

/// The shared queue. Unbounded: a send never waits.
pub(crate) struct Mailbox<T: GenServer> {
    shared: Mutex<Shared<T>>,
    /// No handle to the server is left: once the queue is empty, nothing can
    /// arrive any more. Read and written under the lock.
    unreachable: AtomicBool,
    /// The server is stopping: sends fail from now on. Read and written
    /// under the lock.
    pub(crate) closed: AtomicBool,
    /// Set while the server is suspended, for `sys::processes`.
    pub(crate) suspended: AtomicBool,
    /// Set once the server's end is being published, by its task or by a
    /// kill that did not wait for a task blocking its thread: whichever
    /// sets it publishes the end, once.
    pub(crate) ending: AtomicBool,
    // The four flags are here rather than in `Shared` (or the server's
    // `Inner`) because here they fill what would be padding after the lock:
    // in `Shared` they would cost every server 8 bytes more.
}

pub(crate) struct Shared<T: GenServer> {
    queue: VecDeque<Envelope<T>>,
    /// How many envelopes were ever queued, system requests aside: with the
    /// count the server took, the length of its mailbox, batch included.
    sent: u64,
    /// Set while the receiver waits for a message; a sender takes and wakes it.
    receiver: Option<Waker>,
    /// The server's timers; allocated by the first one armed, freed with
    /// the last one.
    timers: Option<Box<Timers<T::Info>>>,
    /// The server's task, set right after it is spawned; to kill it. Kept
    /// here rather than beside the mailbox, where it would cost every
    /// server a word more.
    pub(crate) task: Option<AbortHandle>,
    /// Links and monitors, in both directions; allocated by the first.
    pub(crate) links: LinkSlot,
}

impl<T: GenServer> Shared<T> {
    /// Queues `envelope`; the caller wakes the receiver it returns once the
    /// lock is released.
    pub(crate) fn push(&mut self, envelope: Envelope<T>) -> Option<Waker> {
        // System requests are not messages: inspecting a server does not
        // change what it shows.
        if !matches!(envelope, Envelope::System(_)) {
            self.sent += 1;
        }
        self.queue.push_back(envelope);
        self.receiver.take()
    }
}

impl<T: GenServer> Mailbox<T> {
    pub(crate) fn new() -> Self {
        Self {
            shared: Mutex::new(Shared {
                queue: VecDeque::new(),
                sent: 0,
                receiver: None,
                timers: None,
                task: None,
                links: LinkSlot::default(),
            }),
            unreachable: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            suspended: AtomicBool::new(false),
            ending: AtomicBool::new(false),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared<T>> {
        // No code that can panic runs under this lock, but stay usable if it did.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `envelope`, or gives it back if the server is stopping.
    pub(crate) fn send(&self, envelope: Envelope<T>) -> Result<(), Envelope<T>> {
        let receiver = {
            let mut shared = self.lock();
            if self.closed.load(Relaxed) {
                return Err(envelope);
            }
            shared.push(envelope)
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(())
    }

    /// Queues `envelope` without waking the receiver, which handles it
    /// before it next waits: for what can wait for the next message. Once
    /// [`SPARE`] envelopes wait, it wakes the receiver all the same, so
    /// that they are handled in batches and the queue does not grow.
    pub(crate) fn send_quietly(&self, envelope: Envelope<T>) -> Result<(), Envelope<T>> {
        let receiver = {
            let mut shared = self.lock();
            if self.closed.load(Relaxed) {
                return Err(envelope);
            }
            shared.sent += 1;
            shared.queue.push_back(envelope);
            if shared.queue.len() >= SPARE {
                shared.receiver.take()
            } else {
                None
            }
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(())
    }

    /// How many envelopes were ever queued.
    pub(crate) fn sent(&self) -> u64 {
        self.lock().sent
    }

    /// `true` once the server has begun to stop.
    pub(crate) fn is_closed(&self) -> bool {
        let _locked = self.lock();
        self.closed.load(Relaxed)
    }

    /// Records that no handle to the server is left, waking the receiver,
    /// if `none_left` still holds under the lock (the server itself may
    /// have made a handle since).
    pub(crate) fn set_unreachable_if(&self, none_left: impl FnOnce() -> bool) {
        let receiver = {
            let mut shared = self.lock();
            if !none_left() {
                return;
            }
            self.unreachable.store(true, Relaxed);
            shared.receiver.take()
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
    }

    /// Records the server's task, once spawned; aborts it if an exit
    /// signal killed the server before.
    pub(crate) fn set_task(&self, task: AbortHandle) {
        let mut shared = self.lock();
        if shared.links.is_killed() {
            task.abort();
        }
        shared.task = Some(task);
    }

    /// The server's task, once spawned.
    pub(crate) fn task(&self) -> Option<AbortHandle> {
        self.lock().task.clone()
    }

    /// Records that a handle exists again (made by the server itself from
    /// its context), so the server waits for messages once more. Called
    /// after the handle count went up, so that `set_unreachable_if` sees it.
    pub(crate) fn set_reachable(&self) {
        let _locked = self.lock();
        self.unreachable.store(false, Relaxed);
    }

    /// Refuses every later send and hands back what is still queued, with
    /// the timers, for the caller to drop outside the lock.
    pub(crate) fn close(&self) -> Closed<T> {
        let mut shared = self.lock();
        self.closed.store(true, Relaxed);
        shared.receiver = None;
        (
            std::mem::take(&mut shared.queue),
            shared.timers.take(),
            shared.links.take(),
        )
    }

    /// The next envelope: from `batch` (what the receiver took last time), or
    /// else from the shared queue, all of which moves into `batch`. With
    /// `expire`, the timers due by then join the queue first. Pending only
    /// when the task has spent its cooperative budget.
    pub(crate) fn poll_recv(
        &self,
        batch: &mut VecDeque<Envelope<T>>,
        expire: Option<Instant>,
        cx: &mut Context<'_>,
    ) -> Poll<Recv<T>> {
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        let locked = expire.map(|now| {
            let mut shared = self.lock();
            let Shared {
                queue,
                timers,
                sent,
                ..
            } = &mut *shared;
            if let Some(timers) = timers {
                timers.expire(now, |key| {
                    *sent += 1;
                    queue.push_back(Envelope::Timer(key));
                });
            }
            shared
        });
        if let Some(envelope) = batch.pop_front() {
            drop(locked);
            coop.made_progress();
            return Poll::Ready(Recv::Envelope(envelope));
        }
        let mut shared = locked.unwrap_or_else(|| self.lock());
        if shared.queue.is_empty() {
            if self.unreachable.load(Relaxed) {
                return Poll::Ready(Recv::Unreachable);
            }
            shared.receiver = Some(cx.waker().clone());
            let next_timer = shared.timers.as_mut().and_then(|timers| timers.earliest());
            let oversized = shared.queue.capacity() > SPARE || batch.capacity() > SPARE;
            return Poll::Ready(Recv::Empty {
                next_timer,
                oversized,
            });
        }
        std::mem::swap(&mut shared.queue, batch);
        drop(shared);
        coop.made_progress();
        match batch.pop_front() {
            Some(envelope) => Poll::Ready(Recv::Envelope(envelope)),
            None => unreachable!("the queue swapped in was not empty"),
        }
    }

    /// Frees every queue slot an empty mailbox holds (outside the lock).
    pub(crate) fn release(&self, batch: &mut VecDeque<Envelope<T>>) {
        let spare = {
            let mut shared = self.lock();
            shared
                .queue
                .is_empty()
                .then(|| std::mem::take(&mut shared.queue))
        };
        drop(spare);
        if batch.is_empty() {
            *batch = VecDeque::new();
        }
    }

    /// Arms a timer; gives `kind` back if the server is stopping. Wakes the
    /// receiver when the new timer is the earliest, so it re-arms its sleep.
    pub(crate) fn arm_timer(
        &self,
        deadline: Instant,
        kind: Kind<T::Info>,
    ) -> Result<TimerKey, Kind<T::Info>> {
        let receiver = {
            let mut shared = self.lock();
            if self.closed.load(Relaxed) {
                return Err(kind);
            }
            let timers = shared.timers.get_or_insert_with(|| Box::new(Timers::new()));
            let earliest = timers.earliest().is_none_or(|earliest| deadline < earliest);
            let key = timers.insert(deadline, kind);
            let receiver = if earliest {
                shared.receiver.take()
            } else {
                None
            };
            (key, receiver)
        };
        let (key, receiver) = receiver;
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(key)
    }

    /// Takes what the expired timer `key` delivers, if it is still live.
    pub(crate) fn take_timer(&self, key: TimerKey) -> Option<Taken<T::Info>> {
        let (taken, emptied) = {
            let mut shared = self.lock();
            let taken = shared.timers.as_mut()?.take(key);
            (taken, shared.take_timers_if_none_live())
        };
        drop(emptied);
        taken
    }

    /// Gives an interval timer its maker back after it made a message.
    pub(crate) fn restore_timer(&self, key: TimerKey, maker: crate::timer::Maker<T::Info>) {
        let refused = match self.lock().timers.as_mut() {
            Some(timers) => timers.restore(key, maker),
            None => Some(maker),
        };
        drop(refused);
    }

    /// Cancels a timer: `true` if it was still live.
    pub(crate) fn cancel_timer(&self, key: TimerKey) -> bool {
        let (removed, emptied): (Option<Removed<T::Info>>, _) = {
            let mut shared = self.lock();
            let Some(timers) = shared.timers.as_mut() else {
                return false;
            };
            let removed = timers.remove(key);
            (removed, shared.take_timers_if_none_live())
        };
        let live = removed.is_some();
        // What the timer held is user data: drop it outside the lock.
        drop((removed, emptied));
        live
    }
}

#[cfg(test)]
mod tests;
