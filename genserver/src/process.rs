//! A server seen without its type: what links, monitors and supervisors
//! work with, and [`AnyRef`], the handle that carries it.

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::AbortHandle;

use crate::exit::ExitSignal;
use crate::link::{Down, MonitorRef};
use crate::mailbox::Envelope;
use crate::server_ref::{Inner, RawRef};
use crate::sys::{LinksInfo, Request};
use crate::{ExitReason, GenServer, ServerId, ServerRef, StopError, context, lifecycle, panic};

/// What is told when a monitored server stops: a server (its `Down`
/// notice) or a registry (which forgets the server's entries).
pub trait Watcher: Send + Sync {
    fn down(&self, down: Down);

    /// `true` for a registry: told before the server's mailbox closes, as
    /// a name is freed, so that no lookup finds a server that refuses
    /// messages.
    fn is_registry(&self) -> bool {
        false
    }
}

/// What every server is, whatever its type. Public in a private module: it
/// cannot be named outside the crate, and seals [`ServerHandle`].
pub trait Process: Watcher + Any + Send + Sync {
    fn id(&self) -> ServerId;
    fn name(&self) -> Option<&str>;
    fn exit(&self) -> &ExitSignal;
    fn is_closed(&self) -> bool;
    /// Counts one more handle ([`AnyRef`]) to the server.
    fn retain(&self);
    /// Counts one more handle, unless none is left (the server then stops
    /// once its mailbox is empty, and must not be kept running by this
    /// one): `false` then.
    fn try_retain(&self) -> bool;
    /// Counts one handle fewer.
    fn release(&self);
    /// Queues a request to stop with `reason`; `false` if it is stopping.
    fn request_stop(&self, reason: ExitReason) -> bool;
    /// Stops the server at once with `reason`, without `terminate`.
    fn kill_with(&self, reason: ExitReason);
    /// The server's task, once spawned.
    fn task(&self) -> Option<AbortHandle>;
    /// Publishes the end of a server whose task was aborted but has not
    /// ended, as its task would (nothing if it has): see [`kill`].
    fn end_in_place_of_task(&self);
    /// Records a link to `to`; `false` if the server is stopping.
    fn add_link(&self, id: ServerId, to: Weak<dyn Process>, parent: bool) -> bool;
    /// Forgets the link to `id`, if any; `true` if there was one.
    fn remove_link(&self, id: ServerId) -> bool;
    /// The exit signal of linked server `from`, which stopped with `reason`.
    fn exit_from(&self, from: ServerId, reason: &ExitReason);
    /// Records that `watcher` monitors the server under `monitor`; `false`
    /// if the server is stopping.
    fn add_monitor(&self, monitor: MonitorRef, watcher: Weak<dyn Watcher>) -> bool;
    fn remove_monitor(&self, monitor: MonitorRef);
    /// The server, typed again: `Arc<Inner<T>>` for some `T`.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// The server's type name.
    fn type_name(&self) -> &'static str;
    fn mailbox_len(&self) -> usize;
    fn messages_in(&self) -> u64;
    fn is_suspended(&self) -> bool;
    /// Its parent, links and monitors, for `sys::processes`.
    fn links(&self) -> LinksInfo;
    /// Queues a system request; `false` if the server is stopping.
    fn system(&self, request: Request) -> bool;
}

/// A server that monitors another queues its `Down` notice.
impl<T: GenServer> Watcher for Inner<T> {
    fn down(&self, down: Down) {
        let _ = self.mailbox.send(Envelope::Down(Box::new(down)));
    }
}

impl<T: GenServer> Process for Inner<T> {
    fn id(&self) -> ServerId {
        self.id
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn exit(&self) -> &ExitSignal {
        &self.exit
    }

    fn is_closed(&self) -> bool {
        self.mailbox.is_closed()
    }

    fn retain(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    fn try_retain(&self) -> bool {
        let mut handles = self.handles.load(Ordering::Acquire);
        while handles > 0 {
            match self.handles.compare_exchange_weak(
                handles,
                handles + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => handles = now,
            }
        }
        false
    }

    fn release(&self) {
        RawRef::release(self);
    }

    fn request_stop(&self, reason: ExitReason) -> bool {
        self.mailbox.send(Envelope::Stop(reason)).is_ok()
    }

    fn kill_with(&self, reason: ExitReason) {
        if let Some(task) = self.mailbox.kill_with(reason) {
            task.abort();
        }
    }

    fn task(&self) -> Option<AbortHandle> {
        self.mailbox.task()
    }

    fn end_in_place_of_task(&self) {
        let reason = self.mailbox.kill_reason().unwrap_or(ExitReason::Killed);
        if let Some(queued) = lifecycle::publish_end(self, reason) {
            // As the task would: queued messages hold user destructors.
            panic::catch_and_log("dropping the queued messages", move || drop(queued));
        }
    }

    fn add_link(&self, id: ServerId, to: Weak<dyn Process>, parent: bool) -> bool {
        self.mailbox.add_link(id, to, parent)
    }

    fn remove_link(&self, id: ServerId) -> bool {
        self.mailbox.remove_link(id)
    }

    fn exit_from(&self, from: ServerId, reason: &ExitReason) {
        self.mailbox.exit_from(from, reason);
    }

    fn add_monitor(&self, monitor: MonitorRef, watcher: Weak<dyn Watcher>) -> bool {
        self.mailbox.add_monitor(monitor, watcher)
    }

    fn remove_monitor(&self, monitor: MonitorRef) {
        self.mailbox.remove_monitor(monitor);
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }

    fn mailbox_len(&self) -> usize {
        Inner::mailbox_len(self)
    }

    fn messages_in(&self) -> u64 {
        Inner::messages_in(self)
    }

    fn is_suspended(&self) -> bool {
        self.mailbox.suspended.load(Ordering::Relaxed)
    }

    fn links(&self) -> LinksInfo {
        self.mailbox.links_info()
    }

    fn system(&self, request: Request) -> bool {
        self.mailbox.send(Envelope::System(request)).is_ok()
    }
}

/// The weak, type-erased form of `inner`, for links and monitors.
pub(crate) fn weak_of<T: GenServer>(inner: &Arc<Inner<T>>) -> Weak<dyn Process> {
    let weak: Weak<Inner<T>> = Arc::downgrade(inner);
    weak
}

/// A handle to a server of any type: what supervisors hold, and what
/// [`Context::link`](crate::Context::link) and
/// [`Context::monitor`](crate::Context::monitor) take besides a
/// [`ServerRef`]. Sealed: [`ServerRef`] and [`AnyRef`] implement it.
pub trait ServerHandle: sealed::Sealed {
    /// The server's identity.
    fn id(&self) -> ServerId;
}

pub(crate) mod sealed {
    use std::sync::Arc;

    use super::Process;

    pub trait Sealed {
        fn process(&self) -> Arc<dyn Process>;
    }
}

impl<T: GenServer> sealed::Sealed for ServerRef<T> {
    fn process(&self) -> Arc<dyn Process> {
        let inner: Arc<Inner<T>> = Arc::clone(self.raw().inner());
        inner
    }
}

impl<T: GenServer> ServerHandle for ServerRef<T> {
    fn id(&self) -> ServerId {
        self.raw().id()
    }
}

impl sealed::Sealed for AnyRef {
    fn process(&self) -> Arc<dyn Process> {
        Arc::clone(&self.process)
    }
}

impl ServerHandle for AnyRef {
    fn id(&self) -> ServerId {
        self.process.id()
    }
}

/// A handle to a running server whose type is not known here: what a
/// supervisor gives back for its children. Like a [`ServerRef`], it keeps
/// the server reachable, and is cheap to clone; [`downcast`](Self::downcast)
/// gives the typed handle back.
///
/// ```
/// # use genserver::prelude::*;
/// # #[derive(Default)] struct Counter { n: u64 }
/// # #[gen_server] impl Counter { #[call] fn next(&mut self) -> u64 { self.n += 1; self.n } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(Counter::default()).await?;
/// let any = AnyRef::from(counter.clone());
/// assert_eq!(any.id(), counter.id());
/// let typed = any.downcast::<Counter>().expect("a counter");
/// assert_eq!(typed.next().await?, 1);
/// # Ok(()) }
/// ```
pub struct AnyRef {
    process: Arc<dyn Process>,
}

impl AnyRef {
    /// The server's identity.
    pub fn id(&self) -> ServerId {
        self.process.id()
    }

    /// The name the server was started with, if any.
    pub fn name(&self) -> Option<&str> {
        self.process.name()
    }

    /// `true` until the server has stopped (or has begun its final clean-up).
    pub fn is_alive(&self) -> bool {
        // The mailbox closes before the reason is published: a handle whose
        // `exit_reason` is `Some` is never alive.
        !self.process.is_closed()
    }

    /// Why the server stopped, once it has stopped.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.process.exit().get().cloned()
    }

    /// Waits until the server has stopped and returns why.
    pub async fn exited(&self) -> ExitReason {
        self.process.exit().wait().await
    }

    /// `true` when the server is a `T`.
    pub fn is<T: GenServer>(&self) -> bool {
        let process: &dyn Any = &*self.process;
        process.is::<Inner<T>>()
    }

    /// The typed handle, when the server is a `T`; else this handle back.
    pub fn downcast<T: GenServer>(self) -> Result<ServerRef<T>, Self> {
        if !self.is::<T>() {
            return Err(self);
        }
        let process = Arc::clone(&self.process);
        // The typed handle counts one; this one's count goes with it. (Not
        // `forget`, which would leak this handle's `Arc`, and the server
        // with it.)
        process.retain();
        drop(self);
        match process.into_any().downcast::<Inner<T>>() {
            Ok(inner) => Ok(ServerRef::from_raw(RawRef::adopt(inner))),
            Err(_) => unreachable!("checked to be a `T` above"),
        }
    }

    /// Stops the server with [`ExitReason::Normal`]: see [`ServerRef::stop`].
    pub async fn stop(&self) -> Result<(), StopError> {
        stop(&*self.process, ExitReason::Normal, None).await
    }

    /// Stops the server with `reason`, waiting at most `timeout`: see
    /// [`ServerRef::stop_with`].
    pub async fn stop_with(&self, reason: ExitReason, timeout: Duration) -> Result<(), StopError> {
        stop(&*self.process, reason, Some(timeout)).await
    }

    /// Kills the server: see [`ServerRef::kill`].
    pub async fn kill(&self) -> Result<(), StopError> {
        kill(&*self.process).await
    }

    /// A monitor of the server for any task: see [`ServerRef::monitor`].
    pub fn monitor(&self) -> crate::Monitor {
        crate::Monitor::new(Arc::clone(&self.process))
    }

    /// A handle to `process`, counted as one more.
    pub(crate) fn retained(process: Arc<dyn Process>) -> Self {
        process.retain();
        Self { process }
    }

    /// A handle to `process`, unless no handle to it is left.
    pub(crate) fn try_retained(process: Arc<dyn Process>) -> Option<Self> {
        // Not `then_some`, which would build (and drop, releasing a count
        // never taken) the handle when none may be made.
        if process.try_retain() {
            Some(Self { process })
        } else {
            None
        }
    }

    pub(crate) fn process(&self) -> &dyn Process {
        &*self.process
    }

    pub(crate) fn process_arc(&self) -> &Arc<dyn Process> {
        &self.process
    }
}

impl<T: GenServer> From<ServerRef<T>> for AnyRef {
    fn from(server: ServerRef<T>) -> Self {
        let inner: Arc<Inner<T>> = Arc::clone(server.raw().inner());
        let process: Arc<dyn Process> = inner;
        // The count moves from `server` to this handle.
        process.retain();
        drop(server);
        Self { process }
    }
}

impl Clone for AnyRef {
    fn clone(&self) -> Self {
        self.process.retain();
        Self {
            process: Arc::clone(&self.process),
        }
    }
}

impl Drop for AnyRef {
    fn drop(&mut self) {
        self.process.release();
    }
}

impl fmt::Debug for AnyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("AnyRef");
        out.field("id", &self.id());
        if let Some(name) = self.name() {
            out.field("name", &name);
        }
        out.finish()
    }
}

/// Two handles are equal when they refer to the same server.
impl PartialEq for AnyRef {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for AnyRef {}

impl Hash for AnyRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

/// `GenServer.stop/3` for a server of any type.
pub(crate) async fn stop(
    process: &dyn Process,
    reason: ExitReason,
    timeout: Option<Duration>,
) -> Result<(), StopError> {
    if context::is_current(std::ptr::from_ref(process).cast()) {
        return Err(StopError::CallingSelf);
    }
    if !process.request_stop(reason.clone()) {
        return Err(StopError::NoProc);
    }
    let exited = process.exit().wait();
    let actual = match timeout {
        None => exited.await,
        Some(timeout) => tokio::time::timeout(timeout, exited)
            .await
            .map_err(|_| StopError::Timeout)?,
    };
    if actual == reason {
        Ok(())
    } else {
        Err(StopError::Exit(actual))
    }
}

/// `Process.exit(pid, :kill)` for a server of any type; returns once it is gone.
pub(crate) async fn kill(process: &dyn Process) -> Result<(), StopError> {
    if context::is_current(std::ptr::from_ref(process).cast()) {
        return Err(StopError::CallingSelf);
    }
    if process.exit().get().is_some() {
        return Err(StopError::NoProc);
    }
    // The task is recorded right after it is spawned; a handle found by
    // name during `init` can be a moment earlier.
    let task = loop {
        if let Some(task) = process.task() {
            break task;
        }
        tokio::task::yield_now().await;
    };
    task.abort();
    // A task waiting at an `.await` ends as soon as its runtime drops it,
    // which the first turns of this loop let happen. One whose handler
    // blocks its thread ends only once the handler yields: after a short
    // grace, the end (name freed, mailbox closed, links and monitors told,
    // reason set) is published in its stead, so that a kill returns in
    // bounded time. The handler then runs no callback more; its state is
    // dropped when the task ends. The grace is counted on the clock, not
    // with a tokio timer, so that a kill needs no time driver.
    let began = std::time::Instant::now();
    while process.exit().get().is_none() {
        if began.elapsed() >= KILL_GRACE {
            process.end_in_place_of_task();
            break;
        }
        tokio::task::yield_now().await;
    }
    process.exit().wait().await;
    Ok(())
}

/// How long a kill waits for the server's task to end before it publishes
/// the end itself: far longer than an idle task takes to be dropped (a few
/// microseconds), far shorter than a handler that blocks its thread.
const KILL_GRACE: Duration = Duration::from_millis(10);
