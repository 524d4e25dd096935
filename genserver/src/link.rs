//! Links, monitors and trapping exits: how one server learns that another
//! stopped, and how a crash spreads.
//!
//! Both ends of a link, and both ends of a monitor, are recorded in the
//! servers' [`Links`], which live under their mailbox locks and are
//! allocated by the first link or monitor: a server that has none pays one
//! null pointer. No code ever holds two mailbox locks at once. When a
//! server stops, [`Links::propagate`] sends its exit signal along every
//! link and its down notice to every monitor, once its name is free and
//! its exit reason is set.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;

use tokio::task::AbortHandle;

use crate::mailbox::{Envelope, Mailbox};
use crate::process::{Process, ServerHandle, weak_of};
use crate::{Context, ExitReason, GenServer, LinkError, ServerId};

/// Identifies one monitor: the reference `Process.monitor/1` returns. The
/// [`Down`] notice of the monitor carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(NonZeroU64);

impl MonitorRef {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(NonZeroU64::new(id).expect("monitor counter wrapped around"))
    }
}

impl fmt::Display for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Ref<0.{}>", self.0)
    }
}

/// A monitored server stopped: `{:DOWN, ref, :process, pid, reason}`.
///
/// A server receives it through an `#[info]` handler whose one argument is
/// a `Down`; a task gets it from [`Monitor`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Down {
    /// The monitor that fired.
    pub monitor: MonitorRef,
    /// The server that stopped.
    pub id: ServerId,
    /// Why it stopped; [`ExitReason::NoProc`] if it was already gone when
    /// the monitor was set.
    pub reason: ExitReason,
}

/// A linked server stopped: `{:EXIT, pid, reason}`, as a server that traps
/// exits receives it, through an `#[info]` handler whose one argument is
/// an `Exit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    /// The linked server that stopped.
    pub from: ServerId,
    /// Why it stopped.
    pub reason: ExitReason,
}

/// A server that can receive [`Down`] notices: one of its `#[info]`
/// handlers takes a `Down`. `#[gen_server]` implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive down notices",
    label = "monitors need a handler for their notices",
    note = "give `{Self}` an `#[info]` handler whose one argument is a `genserver::Down`"
)]
pub trait ReceivesDown: GenServer {
    /// The info message that delivers `down`.
    fn down_info(down: Down) -> Self::Info;
}

/// A server that can trap exits: one of its `#[info]` handlers takes an
/// [`Exit`]. `#[gen_server]` implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot trap exits",
    label = "trapped exits need a handler for their notices",
    note = "give `{Self}` an `#[info]` handler whose one argument is a `genserver::Exit`"
)]
pub trait ReceivesExit: GenServer {
    /// The info message that delivers `exit`.
    fn exit_info(exit: Exit) -> Self::Info;
}

/// One server's links and monitors.
pub(crate) struct Links<T: GenServer> {
    /// The servers linked to this one.
    linked: HashMap<ServerId, Weak<dyn Process>>,
    /// Which of them started this one with `start_link`.
    parent: Option<ServerId>,
    /// Who monitors this server.
    watchers: HashMap<MonitorRef, Weak<dyn Process>>,
    /// The servers this one monitors.
    watched: HashMap<MonitorRef, Weak<dyn Process>>,
    down_info: Option<fn(Down) -> T::Info>,
    /// Set while the server traps exits.
    exit_info: Option<fn(Exit) -> T::Info>,
    /// Why an exit signal killed the server.
    pub(crate) killed_with: Option<ExitReason>,
}

impl<T: GenServer> Default for Links<T> {
    fn default() -> Self {
        Self {
            linked: HashMap::new(),
            parent: None,
            watchers: HashMap::new(),
            watched: HashMap::new(),
            down_info: None,
            exit_info: None,
            killed_with: None,
        }
    }
}

impl<T: GenServer> Links<T> {
    /// Tells every linked server and every watcher that server `id` stopped
    /// with `reason`, and removes this server's own monitors.
    pub(crate) fn propagate(self, id: ServerId, reason: &ExitReason) {
        for to in self.linked.into_values() {
            if let Some(to) = to.upgrade() {
                to.exit_from(id, reason);
            }
        }
        for (monitor, watcher) in self.watchers {
            if let Some(watcher) = watcher.upgrade() {
                watcher.deliver_down(Down {
                    monitor,
                    id,
                    reason: reason.clone(),
                });
            }
        }
        for (monitor, target) in self.watched {
            if let Some(target) = target.upgrade() {
                target.remove_monitor(monitor);
            }
        }
    }
}

impl<T: GenServer> Mailbox<T> {
    /// Marks the server as killed with `reason` and returns its task to
    /// abort; `None` if it is stopping already or not spawned yet (then
    /// [`set_task`](Self::set_task) aborts it).
    pub(crate) fn kill_with(&self, reason: ExitReason) -> Option<AbortHandle> {
        let mut shared = self.lock();
        if shared.closed {
            return None;
        }
        shared.links().killed_with.get_or_insert(reason);
        shared.task.clone()
    }

    /// Why an exit signal killed the server, if one did.
    pub(crate) fn kill_reason(&self) -> Option<ExitReason> {
        self.lock().links.as_ref()?.killed_with.clone()
    }

    pub(crate) fn add_link(&self, id: ServerId, to: Weak<dyn Process>, parent: bool) -> bool {
        let mut shared = self.lock();
        if shared.closed {
            return false;
        }
        let links = shared.links();
        links.linked.insert(id, to);
        if parent {
            links.parent = Some(id);
        }
        true
    }

    pub(crate) fn remove_link(&self, id: ServerId) -> bool {
        let removed = {
            let mut shared = self.lock();
            let Some(links) = shared.links.as_mut() else {
                return false;
            };
            if links.parent == Some(id) {
                links.parent = None;
            }
            links.linked.remove(&id)
        };
        removed.is_some()
    }

    /// Acts on the exit signal of linked server `from`: a notice when the
    /// server traps exits (a stop when `from` is its parent); else nothing
    /// for [`ExitReason::Normal`], and death with the same reason for any
    /// other. A signal after the link was removed is ignored.
    pub(crate) fn exit_from(&self, from: ServerId, reason: &ExitReason) {
        let (receiver, task) = {
            let mut shared = self.lock();
            if shared.closed {
                return;
            }
            let Some(links) = shared.links.as_mut() else {
                return;
            };
            if links.linked.remove(&from).is_none() {
                return;
            }
            let from_parent = links.parent == Some(from);
            if from_parent {
                links.parent = None;
            }
            match links.exit_info {
                Some(_) if from_parent => (shared.push(Envelope::Stop(reason.clone())), None),
                Some(exit_info) => {
                    let notice = exit_info(Exit {
                        from,
                        reason: reason.clone(),
                    });
                    (shared.push(Envelope::Info(notice)), None)
                }
                None if *reason == ExitReason::Normal => return,
                None => {
                    links.killed_with.get_or_insert_with(|| reason.clone());
                    (None, shared.task.clone())
                }
            }
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        if let Some(task) = task {
            task.abort();
        }
    }

    pub(crate) fn add_monitor(&self, monitor: MonitorRef, watcher: Weak<dyn Process>) -> bool {
        let mut shared = self.lock();
        if shared.closed {
            return false;
        }
        shared.links().watchers.insert(monitor, watcher);
        true
    }

    pub(crate) fn remove_monitor(&self, monitor: MonitorRef) {
        let removed = {
            let mut shared = self.lock();
            let Some(links) = shared.links.as_mut() else {
                return;
            };
            links.watchers.remove(&monitor)
        };
        drop(removed);
    }

    /// The info message of `down`, if its monitor is still on.
    pub(crate) fn take_down(&self, down: Down) -> Option<T::Info> {
        let down_info = {
            let mut shared = self.lock();
            let links = shared.links.as_mut()?;
            links.watched.remove(&down.monitor)?;
            links.down_info?
        };
        Some(down_info(down))
    }

    /// Removes the link to the parent, when a failed start must not take
    /// it down; returns the parent to remove the other end.
    pub(crate) fn leave_parent(&self) -> Option<(ServerId, Weak<dyn Process>)> {
        let mut shared = self.lock();
        let links = shared.links.as_mut()?;
        let parent = links.parent.take()?;
        let to = links.linked.remove(&parent)?;
        Some((parent, to))
    }
}

/// Links `child` to `parent` in both directions, `parent` being its parent.
pub(crate) fn link_parent<T: GenServer>(
    parent: &Arc<dyn Process>,
    child: &Arc<crate::server_ref::Inner<T>>,
) {
    child
        .mailbox
        .add_link(parent.id(), Arc::downgrade(parent), true);
    parent.add_link(child.id, weak_of(child), false);
}

/// What a handler can do about other servers: links, monitors, trapping exits.
impl<T: GenServer> Context<T> {
    /// Links the server to `server`: `Process.link/1`. When either stops
    /// with a reason other than [`ExitReason::Normal`], the other stops with
    /// the same reason, at once and without `terminate`, unless it traps
    /// exits ([`trap_exits`](Self::trap_exits)). Linking twice is linking
    /// once; linking to itself does nothing.
    ///
    /// # Errors
    ///
    /// [`LinkError::NoProc`] if `server` is not running. (OTP sends the
    /// caller a `noproc` exit signal instead.)
    pub fn link(&mut self, server: &impl ServerHandle) -> Result<(), LinkError> {
        let other = server.process();
        if other.id() == self.id() {
            return Ok(());
        }
        self.server()
            .mailbox
            .add_link(other.id(), Arc::downgrade(&other), false);
        if other.add_link(self.id(), weak_of(self.server()), false) {
            Ok(())
        } else {
            self.server().mailbox.remove_link(other.id());
            Err(LinkError::NoProc)
        }
    }

    /// Removes the link to `server`, if any: `Process.unlink/1`. No exit
    /// signal passes along it afterwards; a notice already in the mailbox
    /// of a server that traps exits stays there, as in OTP.
    pub fn unlink(&mut self, server: &impl ServerHandle) {
        let other = server.process();
        self.server().mailbox.remove_link(other.id());
        other.remove_link(self.id());
    }

    /// Monitors `server`: `Process.monitor/1`. When it stops, the server
    /// receives a [`Down`] notice with the returned reference, through its
    /// `#[info]` handler that takes a `Down`; at once, with
    /// [`ExitReason::NoProc`], if it is already gone. Each call sets one
    /// more monitor. A monitor does not keep `server` running.
    pub fn monitor(&mut self, server: &impl ServerHandle) -> MonitorRef
    where
        T: ReceivesDown,
    {
        let target = server.process();
        let monitor = MonitorRef::next();
        {
            let mut shared = self.server().mailbox.lock();
            let links = shared.links();
            links.down_info = Some(T::down_info);
            links.watched.insert(monitor, Arc::downgrade(&target));
        }
        if !target.add_monitor(monitor, weak_of(self.server())) {
            self.server().deliver_down(Down {
                monitor,
                id: target.id(),
                reason: ExitReason::NoProc,
            });
        }
        monitor
    }

    /// Removes a monitor: `Process.demonitor(ref, [:flush])`. Once this
    /// returns, its [`Down`] notice is not handled, even if it had already
    /// arrived. `true` if the monitor was still on.
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        let target = {
            let mut shared = self.server().mailbox.lock();
            shared
                .links
                .as_mut()
                .and_then(|links| links.watched.remove(&monitor))
        };
        let Some(target) = target else {
            return false;
        };
        if let Some(target) = target.upgrade() {
            target.remove_monitor(monitor);
        }
        true
    }

    /// Traps exits, or stops trapping them: `Process.flag(:trap_exit, on)`.
    ///
    /// While it traps exits, a server whose linked server stops gets an
    /// [`Exit`] notice through its `#[info]` handler that takes an `Exit`,
    /// whatever the reason, instead of stopping. When the one that stops is
    /// its parent (the server that started it with `start_link`), it stops
    /// with the same reason once the messages before the signal are
    /// handled, running `terminate`, as a `gen_server` does. A kill cannot
    /// be trapped.
    pub fn trap_exits(&mut self, on: bool)
    where
        T: ReceivesExit,
    {
        let exit_info: fn(Exit) -> T::Info = T::exit_info;
        self.server().mailbox.lock().links().exit_info = on.then_some(exit_info);
    }

    /// Queues an info message to the server itself, after what is queued.
    pub(crate) fn notify_self(&self, info: T::Info) {
        let _ = self.server().mailbox.send(Envelope::Info(info));
    }

    /// The server that started this one with `start_link`, while they are
    /// linked.
    pub fn parent(&self) -> Option<ServerId> {
        self.server().mailbox.lock().links.as_ref()?.parent
    }
}

/// A monitor for any task: a future that resolves to the [`Down`] notice of
/// the server, once it has stopped. Dropping it removes the monitor. It does
/// not keep the server running.
///
/// ```
/// # use genserver::prelude::*;
/// # #[derive(Default)] struct Worker;
/// # #[gen_server] impl Worker { #[cast] fn work(&mut self) {} }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let worker = Worker::start(Worker).await?;
/// let monitor = worker.monitor();
/// worker.stop_with(ExitReason::shutdown("done"), std::time::Duration::from_secs(1)).await?;
/// let down = monitor.await;
/// assert_eq!(down.id, worker.id());
/// assert_eq!(down.reason, ExitReason::shutdown("done"));
/// // Already gone: the notice comes at once, with `NoProc`.
/// assert_eq!(worker.monitor().await.reason, ExitReason::NoProc);
/// # Ok(()) }
/// ```
#[must_use = "a monitor does nothing unless it is awaited"]
pub struct Monitor {
    reference: MonitorRef,
    id: ServerId,
    exited: Pin<Box<dyn Future<Output = ExitReason> + Send>>,
}

impl Monitor {
    pub(crate) fn new(process: Arc<dyn Process>) -> Self {
        let id = process.id();
        let gone = process.exit().get().is_some();
        let exited: Pin<Box<dyn Future<Output = ExitReason> + Send>> = if gone {
            Box::pin(std::future::ready(ExitReason::NoProc))
        } else {
            Box::pin(async move { process.exit().wait().await })
        };
        Self {
            reference: MonitorRef::next(),
            id,
            exited,
        }
    }

    /// The monitor's reference, which its [`Down`] notice carries.
    pub fn reference(&self) -> MonitorRef {
        self.reference
    }

    /// The monitored server.
    pub fn id(&self) -> ServerId {
        self.id
    }
}

impl Future for Monitor {
    type Output = Down;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Down> {
        let reason = std::task::ready!(self.exited.as_mut().poll(cx));
        Poll::Ready(Down {
            monitor: self.reference,
            id: self.id,
            reason,
        })
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("reference", &self.reference)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
