//! A server's mailbox: what travels through it, and the queue itself.
//!
//! Every request a server receives is an [`Envelope`] in one FIFO queue, so
//! everything one client sends is handled in the order it was sent, whatever
//! its kind. New kinds of request (info messages, timers, exit signals from
//! links, `Down` notices from monitors, system requests) are new variants
//! here, handled by the receive loop in [`crate::lifecycle`].
//!
//! The queue lives inline in the server's shared state and allocates nothing
//! until the first message arrives, so an idle server costs no queue memory
//! (tokio's unbounded channel allocates a block of 32 slots, and an `Arc` of
//! its own, up front). Senders push under a mutex; the receiver swaps the
//! whole queue out under the same mutex and then works through the batch
//! without locking. The receiver spends tokio's cooperative budget for each
//! message, as tokio's own channels do, so a flooded server still yields to
//! the other tasks of its thread.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use crate::ExitReason;

/// One entry in a server's mailbox.
pub(crate) enum Envelope<M> {
    /// A call or a cast: the server's own message type, built by its client.
    Message(M),
    /// A request to stop with this reason once everything before it is handled.
    Stop(ExitReason),
}

/// The shared queue. Unbounded: a send never waits.
pub(crate) struct Mailbox<M> {
    shared: Mutex<Shared<M>>,
}

struct Shared<M> {
    queue: VecDeque<Envelope<M>>,
    /// Set while the receiver waits for a message; a sender takes and wakes it.
    receiver: Option<Waker>,
    /// No handle to the server is left: once the queue is empty, nothing can
    /// arrive any more.
    unreachable: bool,
    /// The server is stopping: sends fail from now on.
    closed: bool,
}

impl<M> Mailbox<M> {
    pub(crate) fn new() -> Self {
        Self {
            shared: Mutex::new(Shared {
                queue: VecDeque::new(),
                receiver: None,
                unreachable: false,
                closed: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared<M>> {
        // No code that can panic runs under this lock, but stay usable if it did.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `envelope`, or gives it back if the server is stopping.
    pub(crate) fn send(&self, envelope: Envelope<M>) -> Result<(), Envelope<M>> {
        let receiver = {
            let mut shared = self.lock();
            if shared.closed {
                return Err(envelope);
            }
            shared.queue.push_back(envelope);
            shared.receiver.take()
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(())
    }

    /// `true` once the server has begun to stop.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Records that no handle to the server is left, waking the receiver.
    pub(crate) fn set_unreachable(&self) {
        let receiver = {
            let mut shared = self.lock();
            shared.unreachable = true;
            shared.receiver.take()
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
    }

    /// Refuses every later send and hands back what is still queued.
    pub(crate) fn close(&self) -> VecDeque<Envelope<M>> {
        let mut shared = self.lock();
        shared.closed = true;
        shared.receiver = None;
        std::mem::take(&mut shared.queue)
    }

    /// The next envelope: from `batch` (what the receiver took last time), or
    /// else from the shared queue, all of which moves into `batch`. `None`
    /// once the queue is empty and no handle to the server is left.
    pub(crate) fn poll_recv(
        &self,
        batch: &mut VecDeque<Envelope<M>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Envelope<M>>> {
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        if let Some(envelope) = batch.pop_front() {
            coop.made_progress();
            return Poll::Ready(Some(envelope));
        }
        let mut shared = self.lock();
        if shared.queue.is_empty() {
            if shared.unreachable {
                return Poll::Ready(None);
            }
            shared.receiver = Some(cx.waker().clone());
            return Poll::Pending;
        }
        std::mem::swap(&mut shared.queue, batch);
        drop(shared);
        coop.made_progress();
        Poll::Ready(batch.pop_front())
    }
}
