//! Links, monitors and trapping exits: how one server learns that another
//! stopped, and how a crash spreads.
//!
//! Both ends of a link, and both ends of a monitor, are recorded in the
//! servers' `Links` (in `link/table.rs`), which live under their mailbox
//! locks, are allocated by the first link or monitor and freed once empty:
//! a server that has none pays one null pointer. No code ever holds two
//! mailbox locks at once. When a server stops, once its name is free and
//! before its exit reason is set, `Links::propagate` tells its watchers
//! (servers that monitor it, registries it is in), then sends its exit
//! signal along every link: whoever sees the reason can count on them
//! having been told.

mod entries;
mod mailbox;
mod table;
#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;

use crate::mailbox::Envelope;
use crate::process::{Process, ServerHandle, Watcher, weak_of};
use crate::{Context, ExitReason, GenServer, LinkError, ServerId};
use mailbox::Notices;

/// Identifies one monitor: the reference `Process.monitor/1` returns. The
/// [`Down`] notice of the monitor carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(NonZeroU64);

pub(crate) use table::{LinkSlot, Links, Refused};

impl MonitorRef {
    pub(crate) fn next() -> Self {
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
    note = "give `{Self}` an `#[info]` handler whose one argument is a `genserver::Down`, written `Down` or `genserver::Down`: `#[gen_server]` knows it by that name"
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
    note = "give `{Self}` an `#[info]` handler whose one argument is a `genserver::Exit`, written `Exit` or `genserver::Exit`: `#[gen_server]` knows it by that name"
)]
pub trait ReceivesExit: GenServer {
    /// The info message that delivers `exit`.
    fn exit_info(exit: Exit) -> Self::Info;
}

/// Links `child` to `parent` in both directions, `parent` being its parent.
pub(crate) fn link_parent<T: GenServer>(
    parent: &Arc<dyn Process>,
    child: &Arc<crate::server_ref::Inner<T>>,
) {
    child
        .mailbox
        .add_link(parent.id(), Arc::downgrade(parent), true);
    if !parent.add_link(child.id, weak_of(child), false) {
        // The parent has ended (killed while its handler blocked the
        // thread, which went on to start this child): as a link to a
        // process that is gone, the child gets a `noproc` exit signal.
        child.mailbox.exit_from(parent.id(), &ExitReason::NoProc);
    }
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
        if !self
            .server()
            .mailbox
            .add_link(other.id(), Arc::downgrade(&other), false)
        {
            // This server has ended (killed while the handler blocked the
            // thread): it links to nothing more.
            return Ok(());
        }
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
        self.server()
            .mailbox
            .watch(monitor, Arc::downgrade(&target), Notices::<T>::DOWN);
        let watcher: Weak<dyn Watcher> = weak_of(self.server());
        if !target.add_monitor(monitor, watcher) {
            self.server().down(Down {
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
        let Some(target) = self.server().mailbox.unwatch(monitor) else {
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
        self.server()
            .mailbox
            .trap_exits(on.then_some(Notices::<T>::EXIT));
    }

    /// Queues an info message to the server itself, after what is queued.
    pub(crate) fn notify_self(&self, info: T::Info) {
        let _ = self.server().mailbox.send(Envelope::Info(info));
    }

    /// The server that started this one with `start_link`, while they are
    /// linked.
    pub fn parent(&self) -> Option<ServerId> {
        self.server().mailbox.parent()
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
