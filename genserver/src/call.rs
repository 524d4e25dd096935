//! A call in flight: `GenServer.call/3`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::sync::futures::Notified;
use tokio::sync::oneshot;

use crate::deadline::{Armed, Turn};
use crate::mailbox::Envelope;
use crate::server_ref::RawRef;
use crate::{CallError, ExitReason, GenServer};

/// How long a call waits for its reply unless told otherwise: five seconds,
/// as in OTP.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

pin_project! {
    /// A call to a server: a future that resolves to the handler's reply.
    ///
    /// The generated client function of a `#[call]` handler returns one.
    /// Like every future it does nothing until awaited: the message is sent on
    /// the first poll. The timeout (by default [`DEFAULT_CALL_TIMEOUT`])
    /// costs no timer of its own. A call still waiting after sending lets
    /// the server have a turn first (it wakes its own task once), and if it
    /// is waiting still, joins a queue of the calls with the same timeout;
    /// one task per runtime, on the runtime the server was started on, wakes
    /// those that are due, with the resolution of tokio's timer (1 ms). The
    /// timeout counts from then, which can add one scheduling turn of the
    /// calling task to the wait.
    ///
    /// The call resolves to exactly one of:
    /// - `Ok(reply)`;
    /// - [`CallError::Timeout`] when no reply came in time; the server is not
    ///   affected, and its late reply is dropped;
    /// - [`CallError::NoProc`] at once, when the server is not running;
    /// - [`CallError::CallingSelf`] at once, when a server calls itself;
    /// - [`CallError::Exit`] with the server's exit reason, when it stopped
    ///   before replying (its handler panicked, or it was stopped while the
    ///   call was queued).
    ///
    /// It borrows the handle it was made from; to spawn it or keep it
    /// beyond that handle, make it [`owned`](Self::owned).
    ///
    /// A call with a timeout needs tokio's time driver, which `#[tokio::main]`
    /// and `#[tokio::test]` enable; on a runtime built without
    /// `enable_time()`, such a call to a server started there fails at once
    /// with [`CallError::NoTimeDriver`], whether or not the reply would
    /// have come in time. Use [`no_timeout`](Self::no_timeout) there.
    ///
    /// # Cancel safety
    ///
    /// Dropping a call before its first poll sends nothing. Dropping it later
    /// does not take the message back: the server still handles it, and the
    /// reply is dropped.
    ///
    /// ```
    /// # use genserver::prelude::*;
    /// # use std::time::Duration;
    /// # #[derive(Default)] struct Echo;
    /// # #[gen_server] impl Echo { #[call] fn echo(&mut self, text: String) -> String { text } }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Echo::start(Echo).await?;
    /// let reply = server.echo("hi".into()).timeout(Duration::from_millis(100)).await?;
    /// assert_eq!(reply, "hi");
    /// # Ok(()) }
    /// ```
    #[must_use = "a call does nothing unless it is awaited"]
    pub struct Call<'a, T: GenServer, R> {
        server: &'a RawRef<T>,
        message: Option<T::Message>,
        reply: oneshot::Receiver<R>,
        timeout: Option<Duration>,
        // Held while the call lets the server have a turn before joining
        // its deadline list; `deferred` once it has.
        turn: Option<Turn>,
        deferred: bool,
        deadline: Option<Armed<'a>>,
        #[pin]
        exited: Option<Notified<'a>>,
    }
}

impl<'a, T: GenServer, R> Call<'a, T, R> {
    pub(crate) fn new(
        server: &'a RawRef<T>,
        message: T::Message,
        reply: oneshot::Receiver<R>,
    ) -> Self {
        Self {
            server,
            message: Some(message),
            reply,
            timeout: Some(DEFAULT_CALL_TIMEOUT),
            turn: None,
            deferred: false,
            deadline: None,
            exited: None,
        }
    }

    /// Waits at most `timeout` for the reply, counted from the first poll.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for the reply without a time limit: `:infinity` in OTP.
    ///
    /// The call still ends if the server stops before replying.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// The call as a future that holds a handle of its own to the server,
    /// rather than borrowing the caller's: `'static`, so that it can be
    /// spawned or put in a [`JoinSet`](tokio::task::JoinSet). The handle
    /// costs the call two atomic increments (and their decrements), which
    /// the borrowing call does without; while the call is pending it keeps
    /// the server reachable, as the caller's handle does.
    ///
    /// ```
    /// # use genserver::prelude::*;
    /// # #[derive(Default)] struct Echo;
    /// # #[gen_server] impl Echo { #[call] fn echo(&mut self, n: u32) -> u32 { n } }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Echo::start(Echo).await?;
    /// let mut calls = tokio::task::JoinSet::new();
    /// for n in 0..3 {
    ///     calls.spawn(server.echo(n).owned());
    /// }
    /// let mut sum = 0;
    /// while let Some(reply) = calls.join_next().await {
    ///     sum += reply??;
    /// }
    /// assert_eq!(sum, 3);
    /// # Ok(()) }
    /// ```
    #[expect(
        clippy::redundant_async_block,
        reason = "the block owns the handle that the call inside borrows"
    )]
    pub fn owned(self) -> impl Future<Output = Result<R, CallError>> + Send + use<T, R>
    where
        R: Send + 'static,
    {
        let server = self.server.clone();
        let Self {
            message,
            reply,
            timeout,
            ..
        } = self;
        async move {
            Call {
                server: &server,
                message,
                reply,
                timeout,
                turn: None,
                deferred: false,
                deadline: None,
                exited: None,
            }
            .await
        }
    }
}

impl<'a, T: GenServer, R> Future for Call<'a, T, R> {
    type Output = Result<R, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some(message) = this.message.take() {
            let server = *this.server;
            if server.is_current() {
                return Poll::Ready(Err(CallError::CallingSelf));
            }
            // Checked before sending, whether or not the reply would come in
            // time to need no timer: the same call fails the same way.
            if this.timeout.is_some() && server.inner().deadlines.is_none() {
                return Poll::Ready(Err(CallError::NoTimeDriver));
            }
            if server
                .inner()
                .mailbox
                .send(Envelope::Message(message))
                .is_err()
            {
                return Poll::Ready(Err(CallError::NoProc));
            }
        }
        // Polled again: the task's turn is over.
        drop(this.turn.take());
        if this.exited.is_none() {
            match Pin::new(&mut *this.reply).poll(cx) {
                Poll::Ready(Ok(reply)) => return Poll::Ready(Ok(reply)),
                // The reply slot was dropped unanswered: the server is stopping
                // (or chose not to reply). Wait for its exit reason.
                Poll::Ready(Err(_)) => this.exited.set(Some(this.server.inner().exit.notified())),
                Poll::Pending => {}
            }
        }
        if let Some(exited) = this.exited.as_mut().as_pin_mut() {
            let exit = &this.server.inner().exit;
            if let Some(reason) = exit.get() {
                return Poll::Ready(Err(CallError::Exit(reason.clone())));
            }
            if exited.poll(cx).is_ready() {
                let reason = exit.get().cloned().unwrap_or(ExitReason::Killed);
                return Poll::Ready(Err(CallError::Exit(reason)));
            }
        }
        if let Some(deadline) = this.deadline {
            if !deadline.refresh(cx.waker()) {
                return Poll::Ready(Err(CallError::Timeout));
            }
        } else {
            let server: &'a RawRef<T> = this.server;
            if let (Some(timeout), Some(deadlines)) =
                (*this.timeout, server.inner().deadlines.as_deref())
            {
                if !*this.deferred {
                    *this.deferred = true;
                    if let Some(turn) = Turn::claim() {
                        *this.turn = Some(turn);
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
                *this.deadline = deadlines.arm(timeout, cx.waker());
            }
        }
        Poll::Pending
    }
}

impl<T: GenServer, R> fmt::Debug for Call<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("server", self.server)
            .field("sent", &self.message.is_none())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
