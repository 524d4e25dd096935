//! What travels through a server's mailbox.
//!
//! Every request a server receives is an [`Envelope`] in one FIFO queue, so
//! everything one client sends is handled in the order it was sent, whatever
//! its kind. New kinds of request (info messages, timers, exit signals from
//! links, `Down` notices from monitors, system requests) are new variants
//! here, handled by the receive loop in [`crate::lifecycle`].

use tokio::sync::mpsc;

use crate::ExitReason;

/// One entry in a server's mailbox.
pub(crate) enum Envelope<M> {
    /// A call or a cast: the server's own message type, built by its client.
    Message(M),
    /// A request to stop with this reason once everything before it is handled.
    Stop(ExitReason),
}

/// The sending side of a mailbox. Unbounded: a cast never blocks.
pub(crate) type Sender<M> = mpsc::UnboundedSender<Envelope<M>>;
/// The receiving side of a mailbox, owned by the server's task.
pub(crate) type Receiver<M> = mpsc::UnboundedReceiver<Envelope<M>>;

pub(crate) fn channel<M>() -> (Sender<M>, Receiver<M>) {
    mpsc::unbounded_channel()
}
