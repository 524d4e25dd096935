//! Handles to a running server.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::task::AbortHandle;

use crate::exit::ExitSignal;
use crate::mailbox::{Envelope, Mailbox};
use crate::{Call, CallError, CastError, ExitReason, GenServer, ReplyTo, StopError, lifecycle};

/// A server's identity, unique within the process: the pid of OTP.
///
/// Shown as `<0.N.0>`, in the style of a local Erlang pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(NonZeroU64);

impl ServerId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(NonZeroU64::new(id).expect("server id counter wrapped around"))
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<0.{}.0>", self.0)
    }
}

/// What every handle to one server shares.
pub(crate) struct Inner<T: GenServer> {
    pub(crate) id: ServerId,
    pub(crate) name: Option<Box<str>>,
    /// How many `RawRef`s (and so `ServerRef`s) exist; when none is left,
    /// the server can never be reached again and stops once idle.
    pub(crate) handles: AtomicUsize,
    pub(crate) mailbox: Mailbox<T::Message>,
    pub(crate) exit: ExitSignal,
    /// Set right after the task is spawned; used to kill a server whose
    /// `terminate` overruns the timeout given to `stop_with`.
    pub(crate) task: OnceLock<AbortHandle>,
}

/// The untyped core of a handle, which generated clients wrap.
#[doc(hidden)]
pub struct RawRef<T: GenServer> {
    inner: Arc<Inner<T>>,
}

impl<T: GenServer> RawRef<T> {
    /// The first handle to a server whose `handles` count starts at one.
    pub(crate) fn first(inner: Arc<Inner<T>>) -> Self {
        debug_assert_eq!(inner.handles.load(Ordering::Relaxed), 1);
        Self { inner }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner<T>> {
        &self.inner
    }

    /// Sends a cast. Never blocks; fails only when the server is not running.
    pub fn cast(&self, message: T::Message) -> Result<(), CastError<T::Message>> {
        self.inner
            .mailbox
            .send(Envelope::Message(message))
            .map_err(|envelope| match envelope {
                Envelope::Message(message) => CastError::NoProc(message),
                Envelope::Stop(_) => unreachable!("a cast sends a message envelope"),
            })
    }

    /// Prepares a call: `message` receives the slot its reply goes to.
    pub fn call<R>(&self, message: impl FnOnce(ReplyTo<R>) -> T::Message) -> Call<'_, T, R> {
        let (reply_to, reply) = ReplyTo::pair();
        Call::new(self, message(reply_to), reply)
    }

    pub(crate) fn id(&self) -> ServerId {
        self.inner.id
    }

    /// `true` when the current task is this server's own.
    pub(crate) fn is_current(&self) -> bool {
        lifecycle::current_server() == Some(self.inner.id)
    }
}

impl<T: GenServer> Clone for RawRef<T> {
    fn clone(&self) -> Self {
        self.inner.handles.fetch_add(1, Ordering::Relaxed);
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: GenServer> Drop for RawRef<T> {
    fn drop(&mut self) {
        if self.inner.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.inner.mailbox.set_unreachable();
        }
    }
}

impl<T: GenServer> fmt::Debug for RawRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ServerRef");
        out.field("id", &self.inner.id);
        if let Some(name) = &self.inner.name {
            out.field("name", name);
        }
        out.finish()
    }
}

/// Implemented by a server's generated client type, which wraps a [`RawRef`].
#[doc(hidden)]
pub trait ClientOf<T: GenServer>: Send + Sync + 'static {
    fn from_raw(raw: RawRef<T>) -> Self;
    fn raw(&self) -> &RawRef<T>;
}

/// A handle to a running server: the pid of OTP.
///
/// `ServerRef` is cheap to clone (one reference count) and can be sent to and
/// shared between tasks and threads. It dereferences to the client that
/// `#[gen_server]` generates, so each handler is a method on it:
/// `server.get(key).await?` for a call, `server.put(key, value)` for a cast.
///
/// # Dropping handles
///
/// A server lives as long as it can be reached. When the last `ServerRef` to
/// an unnamed server is dropped, the server handles every message already in
/// its mailbox, then stops with [`ExitReason::Normal`] and runs `terminate`,
/// so no accepted message is lost and no task is leaked. A named server can
/// always be found again with [`whereis`](crate::whereis), so it runs until it
/// is stopped (or panics), like a registered process in OTP.
///
/// A server that keeps a `ServerRef` to itself in its own state can never be
/// unreachable in this sense: stop it explicitly.
pub struct ServerRef<T: GenServer> {
    client: T::Client,
}

impl<T: GenServer> ServerRef<T> {
    pub(crate) fn from_raw(raw: RawRef<T>) -> Self {
        Self {
            client: T::Client::from_raw(raw),
        }
    }

    pub(crate) fn raw(&self) -> &RawRef<T> {
        self.client.raw()
    }

    /// The server registered under `name`, or [`CallError::NoProc`] when no
    /// running `T` has that name: the lookup `GenServer.call(name, ..)` does.
    ///
    /// Use it with `?` where a call by name should fail like a call to a
    /// stopped server; [`whereis`](crate::whereis) gives an `Option` instead.
    ///
    /// ```
    /// # use genserver::prelude::*;
    /// # #[derive(Default)] struct Counter { n: u64 }
    /// # #[gen_server] impl Counter { #[call] fn next(&mut self) -> u64 { self.n += 1; self.n } }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let _counter = Counter::start_named("by-name-doc", Counter::default()).await?;
    /// assert_eq!(ServerRef::<Counter>::by_name("by-name-doc")?.next().await?, 1);
    /// assert_eq!(ServerRef::<Counter>::by_name("nobody").unwrap_err(), CallError::NoProc);
    /// # Ok(()) }
    /// ```
    pub fn by_name(name: &str) -> Result<Self, CallError> {
        crate::whereis(name).ok_or(CallError::NoProc)
    }

    /// The server's identity.
    pub fn id(&self) -> ServerId {
        self.raw().id()
    }

    /// The name the server was started with, if any.
    pub fn name(&self) -> Option<&str> {
        self.raw().inner().name.as_deref()
    }

    /// `true` until the server has stopped (or has begun its final clean-up).
    pub fn is_alive(&self) -> bool {
        let inner = self.raw().inner();
        inner.exit.get().is_none() && !inner.mailbox.is_closed()
    }

    /// Why the server stopped, once it has stopped.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.raw().inner().exit.get().cloned()
    }

    /// Waits until the server has stopped and returns why: a one-shot monitor.
    pub async fn exited(&self) -> ExitReason {
        self.raw().inner().exit.wait().await
    }

    /// Sends a message without waiting: `GenServer.cast/2`.
    ///
    /// The generated client functions for `#[cast]` handlers call this; use it
    /// directly to send a message value you built yourself.
    pub fn cast(&self, message: T::Message) -> Result<(), CastError<T::Message>> {
        self.raw().cast(message)
    }

    /// Sends a message and waits for its reply: `GenServer.call/3`.
    ///
    /// `message` builds the message around the slot its reply goes to. The
    /// generated client functions for `#[call]` handlers call this.
    pub fn call<R>(&self, message: impl FnOnce(ReplyTo<R>) -> T::Message) -> Call<'_, T, R> {
        self.raw().call(message)
    }

    /// Stops the server with [`ExitReason::Normal`], waiting for as long as
    /// its `terminate` takes: `GenServer.stop/1`.
    ///
    /// The stop request takes its turn in the mailbox: messages sent before it
    /// are handled first; those still queued behind it are not handled, and
    /// their callers get [`CallError::Exit`](crate::CallError::Exit). When this
    /// returns `Ok`, `terminate` has run, the name is free and every later
    /// call gets [`CallError::NoProc`](crate::CallError::NoProc).
    pub async fn stop(&self) -> Result<(), StopError> {
        self.stop_inner(ExitReason::Normal, None).await
    }

    /// Stops the server with `reason`, giving it at most `timeout` from now to
    /// handle the messages before the stop request and run `terminate`:
    /// `GenServer.stop/3`.
    ///
    /// If the timeout passes first, the server is killed: its task is
    /// cancelled at its next `.await`, with [`ExitReason::Killed`], and this
    /// returns [`StopError::Timeout`]. A handler that never reaches an
    /// `.await` cannot be cancelled.
    pub async fn stop_with(&self, reason: ExitReason, timeout: Duration) -> Result<(), StopError> {
        self.stop_inner(reason, Some(timeout)).await
    }

    async fn stop_inner(
        &self,
        reason: ExitReason,
        timeout: Option<Duration>,
    ) -> Result<(), StopError> {
        let raw = self.raw();
        if raw.is_current() {
            return Err(StopError::CallingSelf);
        }
        raw.inner()
            .mailbox
            .send(Envelope::Stop(reason.clone()))
            .map_err(|_| StopError::NoProc)?;
        let exited = raw.inner().exit.wait();
        let actual = match timeout {
            None => exited.await,
            Some(timeout) => {
                if let Ok(actual) = tokio::time::timeout(timeout, exited).await {
                    actual
                } else {
                    if let Some(task) = raw.inner().task.get() {
                        task.abort();
                    }
                    return Err(StopError::Timeout);
                }
            }
        };
        if actual == reason {
            Ok(())
        } else {
            Err(StopError::Exit(actual))
        }
    }
}

impl<T: GenServer> Deref for ServerRef<T> {
    type Target = T::Client;

    fn deref(&self) -> &T::Client {
        &self.client
    }
}

impl<T: GenServer> Clone for ServerRef<T> {
    fn clone(&self) -> Self {
        Self::from_raw(self.raw().clone())
    }
}

impl<T: GenServer> fmt::Debug for ServerRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.raw(), f)
    }
}

/// Two handles are equal when they refer to the same server.
impl<T: GenServer> PartialEq for ServerRef<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<T: GenServer> Eq for ServerRef<T> {}

impl<T: GenServer> Hash for ServerRef<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}
