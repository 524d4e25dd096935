//! The reply slot a call carries to its server.

use std::fmt;

use tokio::sync::oneshot;

/// Where the reply to one call goes.
///
/// Every call variant of a generated message enum carries one: the server's
/// dispatch hands the handler's return value to [`send`](Self::send). A reply
/// slot is single-use, and replying to a caller that has gone away (because
/// its call timed out, or its future was dropped) quietly drops the value:
/// nothing is left behind.
///
/// If a `ReplyTo` is dropped without a reply, the caller is not left hanging:
/// it receives the server's exit reason when the server stops, or
/// [`CallError::Timeout`](crate::CallError::Timeout) at its deadline.
pub struct ReplyTo<R> {
    sender: oneshot::Sender<R>,
}

impl<R> ReplyTo<R> {
    pub(crate) fn pair() -> (Self, oneshot::Receiver<R>) {
        let (sender, receiver) = oneshot::channel();
        (Self { sender }, receiver)
    }

    /// Sends the reply. Gives the value back if the caller is no longer waiting.
    pub fn send(self, reply: R) -> Result<(), R> {
        self.sender.send(reply)
    }

    /// `true` once the caller has stopped waiting (timed out or dropped its call).
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}

impl<R> fmt::Debug for ReplyTo<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}
