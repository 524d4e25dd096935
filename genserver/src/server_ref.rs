//! Handles to a running server.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::deadline::Deadlines;
use crate::exit::ExitSignal;
use crate::mailbox::{Envelope, Mailbox};
use crate::timer::{Kind, TimerKey, TimerRef, TimerTable};
use crate::{
    Call, CallError, CastError, ExitReason, GenServer, ReplyTo, StopError, context, process,
};

/// A server's identity, unique within the process: the pid of OTP.
///
/// Shown as `<0.N.0>`, in the style of a local Erlang pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(NonZeroU64);

impl ServerId {
    /// The number in `<0.N.0>`: unique among the servers of this process,
    /// never reused.
    pub fn get(self) -> u64 {
        self.0.get()
    }

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

/// A server's name: a thin pointer, in the state every server shares, to a
/// name only the few named servers have (`Option<Box<str>>` is two words).
pub(crate) struct Name(Option<Box<Box<str>>>);

impl Name {
    pub(crate) fn as_deref(&self) -> Option<&str> {
        self.0.as_deref().map(|name| &**name)
    }
}

/// What every handle to one server shares.
pub(crate) struct Inner<T: GenServer> {
    pub(crate) id: ServerId,
    pub(crate) name: Name,
    /// How many `RawRef`s (and so `ServerRef`s) exist; when none is left,
    /// the server can never be reached again and stops once idle.
    pub(crate) handles: AtomicUsize,
    pub(crate) mailbox: Mailbox<T>,
    pub(crate) exit: ExitSignal,
    /// The envelopes the server has taken from its mailbox: written by the
    /// server alone, read by [`sys::processes`](crate::sys::processes).
    pub(crate) handled: AtomicU64,
    /// The call deadlines of the runtime the server was started on; `None`
    /// if it has no time driver, which calls with a timeout need.
    pub(crate) deadlines: Option<Arc<Deadlines>>,
}

/// The table of servers keeps a server for as long as anything holds it:
/// as the pointer its task kept did, by which a `start_link` from any code
/// the task runs, its last destructors included, finds its parent.
/// [`sys::processes`](crate::sys::processes) lists only running ones.
impl<T: GenServer> Drop for Inner<T> {
    fn drop(&mut self) {
        crate::sys::table::remove(self.id);
    }
}

impl<T: GenServer> Inner<T> {
    pub(crate) fn new(
        id: ServerId,
        name: Option<String>,
        deadlines: Option<Arc<Deadlines>>,
    ) -> Self {
        Self {
            id,
            name: Name(name.map(|name| Box::new(name.into_boxed_str()))),
            deadlines,
            handles: AtomicUsize::new(1),
            mailbox: Mailbox::new(),
            exit: ExitSignal::new(),
            handled: AtomicU64::new(0),
        }
    }

    /// Whether the server's end is published or being published: by its
    /// task as it ends, or by a kill in the place of a task that blocks its
    /// thread (then the task must run no more of the user's code).
    #[inline]
    pub(crate) fn is_ending(&self) -> bool {
        self.mailbox.ending.load(Ordering::Acquire)
    }

    /// Counts one envelope taken from the mailbox (`1`), or held back
    /// while the server is suspended (`-1`). Only the server's task writes
    /// the counter: a load and a store, no locked instruction.
    #[inline]
    pub(crate) fn count_handled(&self, by: i8) {
        let handled = self.handled.load(Ordering::Relaxed);
        let handled = handled.wrapping_add_signed(i64::from(by));
        self.handled.store(handled, Ordering::Relaxed);
    }

    pub(crate) fn messages_in(&self) -> u64 {
        self.handled.load(Ordering::Relaxed)
    }

    /// The envelopes waiting: sent, not yet taken.
    pub(crate) fn mailbox_len(&self) -> usize {
        let handled = self.messages_in();
        let sent = self.mailbox.sent();
        usize::try_from(sent.saturating_sub(handled)).unwrap_or(usize::MAX)
    }
}

impl<T: GenServer> TimerTable for Inner<T> {
    fn cancel(&self, key: TimerKey) -> bool {
        self.mailbox.cancel_timer(key)
    }
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

    /// A new handle made by the server itself, which makes it reachable
    /// again if every other handle was dropped while it was still working.
    pub(crate) fn revive(inner: Arc<Inner<T>>) -> Self {
        if inner.handles.fetch_add(1, Ordering::AcqRel) == 0 {
            inner.mailbox.set_reachable();
        }
        Self { inner }
    }

    /// A handle taking over a count that was already made.
    pub(crate) fn adopt(inner: Arc<Inner<T>>) -> Self {
        Self { inner }
    }

    /// Counts one handle fewer to `inner`'s server: when none is left, it
    /// stops once its mailbox is empty.
    pub(crate) fn release(inner: &Inner<T>) {
        if inner.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            let handles = &inner.handles;
            inner
                .mailbox
                .set_unreachable_if(|| handles.load(Ordering::Acquire) == 0);
        }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner<T>> {
        &self.inner
    }

    /// Arms a timer on `inner`'s server: it expires `after` from now.
    pub(crate) fn arm_timer_on(
        inner: &Arc<Inner<T>>,
        after: Duration,
        kind: Kind<T::Info>,
    ) -> TimerRef {
        let deadline = tokio::time::Instant::now() + after;
        match inner.mailbox.arm_timer(deadline, kind) {
            Ok(key) => {
                let table: Weak<dyn TimerTable> = Arc::downgrade(inner) as Weak<Inner<T>>;
                TimerRef::new(table, key)
            }
            // The server has stopped: the timer is dropped quietly.
            Err(kind) => {
                drop(kind);
                TimerRef::dead()
            }
        }
    }

    /// Sends a cast. Never blocks; fails only when the server is not running.
    pub fn cast(&self, message: T::Message) -> Result<(), CastError<T::Message>> {
        self.inner
            .mailbox
            .send(Envelope::Message(message))
            .map_err(|envelope| match envelope {
                Envelope::Message(message) => CastError::no_proc(message),
                _ => unreachable!("a cast sends a message envelope"),
            })
    }

    /// Sends an info message. Never blocks; fails only when the server is
    /// not running.
    pub fn send_info(&self, info: T::Info) -> Result<(), CastError<T::Info>> {
        self.inner
            .mailbox
            .send(Envelope::Info(info))
            .map_err(|envelope| match envelope {
                Envelope::Info(info) => CastError::no_proc(info),
                _ => unreachable!("send_info sends an info envelope"),
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
        context::is_current(Arc::as_ptr(&self.inner).cast())
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
        Self::release(&self.inner);
    }
}

impl<T: GenServer> fmt::Debug for RawRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ServerRef");
        out.field("id", &self.inner.id);
        if let Some(name) = self.inner.name.as_deref() {
            out.field("name", &name);
        }
        out.finish()
    }
}

/// A server's client: the type that [`ServerRef<T>`] dereferences to, with
/// one method per handler.
///
/// `#[gen_server]` generates it (`CounterClient` for a server `Counter`)
/// and implements this trait for it; the trait's methods belong to the
/// runtime and are hidden. [`GenServer`]'s
/// [`Client`](GenServer::Client) names it.
pub trait ClientOf<T: GenServer>: Send + Sync + 'static {
    /// Wraps the runtime's handle.
    #[doc(hidden)]
    fn from_raw(raw: RawRef<T>) -> Self;
    /// The runtime's handle.
    #[doc(hidden)]
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
/// unreachable in this sense: keep a [`WeakRef`] there instead
/// ([`Context::weak`](crate::Context::weak)). Nor can two servers that keep
/// handles to each other: a cycle of handles keeps every server in it
/// running, as a cycle of `Arc`s keeps its values; keep a `WeakRef` on one
/// side. Supervisors and registries keep handles to their servers on
/// purpose, as a name does. Timers do not keep a server
/// running either: an unnamed server whose last handle is dropped stops once
/// its mailbox is empty, with its pending timers.
///
/// So a handle left unused is a warning: `Server::start(state).await?;`
/// alone would start a server and stop it at once. Bind the handle; for a
/// named server that is found by its name, drop it on purpose with
/// `let _ = ...`.
#[must_use = "dropping the last handle to an unnamed server stops it: bind the handle, or drop it with `let _ =` when the server is named"]
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
        // The mailbox closes before the reason is published: a handle whose
        // `exit_reason` is `Some` is never alive.
        !self.raw().inner().mailbox.is_closed()
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

    /// Stops the server with `reason`, waiting at most `timeout` from now for
    /// it to handle the messages before the stop request and run
    /// `terminate`: `GenServer.stop/3`.
    ///
    /// If the timeout passes first, this returns [`StopError::Timeout`] and
    /// the server goes on stopping, as OTP's `stop/3` does: it is not killed
    /// (use [`kill`](Self::kill) for that), and [`exited`](Self::exited)
    /// tells when it is done.
    pub async fn stop_with(&self, reason: ExitReason, timeout: Duration) -> Result<(), StopError> {
        self.stop_inner(reason, Some(timeout)).await
    }

    async fn stop_inner(
        &self,
        reason: ExitReason,
        timeout: Option<Duration>,
    ) -> Result<(), StopError> {
        process::stop(&**self.raw().inner(), reason, timeout).await
    }

    /// Kills the server: `Process.exit(pid, :kill)`.
    ///
    /// The server stops at once with [`ExitReason::Killed`], without running
    /// `terminate` or handling anything more; callers waiting on it get that
    /// reason. Returns once the server is gone and its name is free.
    ///
    /// The server's task is cancelled at its next `.await`. A handler (or
    /// `init`) that blocks its thread cannot be cut short, but it does not
    /// hold up the kill: after a grace of 10 ms the server's end is
    /// published in its task's stead (the name freed, the reason set,
    /// monitors and linked servers told) and this returns. What the
    /// blocked code does once it goes on counts for nothing: its reply is
    /// not sent, no more messages are handled, `terminate` does not run, a
    /// link it makes is not made, and a child it starts linked gets a
    /// `noproc` exit signal. Its state is dropped when it yields.
    ///
    /// ```
    /// # use genserver::prelude::*;
    /// # #[derive(Default)] struct Worker;
    /// # #[gen_server] impl Worker { #[cast] fn work(&mut self) {} }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let worker = Worker::start(Worker).await?;
    /// worker.kill().await?;
    /// assert_eq!(worker.exit_reason(), Some(ExitReason::Killed));
    /// assert_eq!(worker.kill().await, Err(StopError::NoProc));
    /// # Ok(()) }
    /// ```
    pub async fn kill(&self) -> Result<(), StopError> {
        process::kill(&**self.raw().inner()).await
    }

    /// A monitor of the server for any task: a future that resolves to its
    /// [`Down`](crate::Down) notice once it has stopped, at once with
    /// [`ExitReason::NoProc`] if it already has. Servers monitor each other
    /// with [`Context::monitor`](crate::Context::monitor).
    pub fn monitor(&self) -> crate::Monitor {
        crate::Monitor::new(Arc::clone(self.raw().inner()) as Arc<dyn crate::process::Process>)
    }

    /// Sends an info message to the server's `#[info]` handler, without
    /// waiting: `send(pid, msg)`.
    ///
    /// Info messages are for what is not part of the server's client API:
    /// notices from other servers, timers, messages a server sends itself.
    /// Like a cast, this never blocks; it gives the message back if the
    /// server is not running.
    pub fn send_info(&self, info: T::Info) -> Result<(), CastError<T::Info>> {
        self.raw().send_info(info)
    }

    /// A weak handle to the server, which does not keep it running.
    pub fn downgrade(&self) -> WeakRef<T> {
        WeakRef::new(self.raw().inner())
    }
}

/// A handle that does not keep its server running: upgrade it to talk to
/// the server.
///
/// A server that keeps a handle to itself in its own state would never stop
/// for want of handles (see [`ServerRef`]); it keeps a `WeakRef` instead,
/// from [`Context::weak`](crate::Context::weak). Holding one keeps a small
/// allocation alive, not the server.
///
/// ```
/// # use genserver::prelude::*;
/// # #[derive(Default)] struct Worker;
/// # #[gen_server] impl Worker { #[cast] fn work(&mut self) {} }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let worker = Worker::start(Worker).await?;
/// let weak = worker.downgrade();
/// assert_eq!(weak.upgrade().as_ref(), Some(&worker));
/// drop(worker); // the last handle: the server stops
/// # tokio::task::yield_now().await;
/// assert!(weak.upgrade().is_none());
/// # Ok(()) }
/// ```
pub struct WeakRef<T: GenServer> {
    inner: Weak<Inner<T>>,
    id: ServerId,
}

impl<T: GenServer> WeakRef<T> {
    pub(crate) fn new(inner: &Arc<Inner<T>>) -> Self {
        Self {
            inner: Arc::downgrade(inner),
            id: inner.id,
        }
    }

    /// The server's identity.
    pub fn id(&self) -> ServerId {
        self.id
    }

    /// A handle to the server, unless every handle to it was dropped (an
    /// unnamed server then stops) or it has stopped.
    pub fn upgrade(&self) -> Option<ServerRef<T>> {
        let inner = self.inner.upgrade()?;
        let mut handles = inner.handles.load(Ordering::Acquire);
        loop {
            if handles == 0 || inner.exit.get().is_some() {
                return None;
            }
            match inner.handles.compare_exchange_weak(
                handles,
                handles + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(ServerRef::from_raw(RawRef { inner })),
                Err(now) => handles = now,
            }
        }
    }
}

impl<T: GenServer> Clone for WeakRef<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Weak::clone(&self.inner),
            id: self.id,
        }
    }
}

impl<T: GenServer> fmt::Debug for WeakRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakRef")
            .field("id", &self.id)
            .finish_non_exhaustive()
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
