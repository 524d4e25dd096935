//! A server's links as its mailbox keeps them: the lock taken, the closed
//! flag read under it, and the notices made in the server's own type. What
//! happens to the links is in `table.rs`, compiled once for every server
//! type; this is the thin typed layer over it.

use std::marker::PhantomData;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Weak};

use tokio::task::AbortHandle;

use super::table::{NoticeFn, Refused, Signal, typed};
use super::{Down, Exit, MonitorRef, ReceivesDown, ReceivesExit};
use crate::mailbox::{Envelope, Mailbox};
use crate::process::{Process, Watcher};
use crate::sys::LinksInfo;
use crate::{ExitReason, GenServer, ServerId};

impl<T: GenServer> Mailbox<T> {
    /// Marks the server as killed with `reason` and returns its task to
    /// abort; `None` if it is stopping already or not spawned yet (then
    /// [`set_task`](Self::set_task) aborts it).
    pub(crate) fn kill_with(&self, reason: ExitReason) -> Option<AbortHandle> {
        let mut shared = self.lock();
        if !shared.links.kill(self.closed.load(Relaxed), reason) {
            return None;
        }
        shared.task.clone()
    }

    /// Why an exit signal killed the server, if one did.
    pub(crate) fn kill_reason(&self) -> Option<ExitReason> {
        self.lock().links.kill_reason()
    }

    /// Records a link to `id` (its parent's if `parent`); `false` if the
    /// server is stopping.
    pub(crate) fn add_link(&self, id: ServerId, to: Weak<dyn Process>, parent: bool) -> bool {
        let mut shared = self.lock();
        shared
            .links
            .add_link(self.closed.load(Relaxed), id, to, parent)
    }

    /// Whether the server is linked to `id`.
    pub(crate) fn is_linked(&self, id: ServerId) -> bool {
        self.lock().links.is_linked(id)
    }

    /// Removes the link to `id`; `true` if there was one.
    pub(crate) fn remove_link(&self, id: ServerId) -> bool {
        let removed = self.lock().links.remove_link(id);
        removed.is_some()
    }

    /// Acts on the exit signal of linked server `from`: a notice when the
    /// server traps exits (a stop when `from` is its parent); else nothing
    /// for [`ExitReason::Normal`], and death with the same reason for any
    /// other. A signal after the link was removed is ignored.
    pub(crate) fn exit_from(&self, from: ServerId, reason: &ExitReason) {
        let (receiver, task, _unlinked) = {
            let mut shared = self.lock();
            if self.closed.load(Relaxed) {
                return;
            }
            let (signal, unlinked) = shared.links.exit_signal(from, reason);
            let (receiver, task) = match signal {
                Signal::Ignored => (None, None),
                Signal::Stop => (shared.push(Envelope::Stop(reason.clone())), None),
                Signal::Notice => {
                    let exit_info = typed::<Exit, T::Info>(shared.links.exit_info());
                    let notice = exit_info.map(|exit_info| {
                        exit_info(Exit {
                            from,
                            reason: reason.clone(),
                        })
                    });
                    (
                        notice.and_then(|notice| shared.push(Envelope::Info(notice))),
                        None,
                    )
                }
                Signal::Kill => (None, shared.task.clone()),
            };
            shared.links.tidy();
            (receiver, task, unlinked)
        };
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        if let Some(task) = task {
            task.abort();
        }
    }

    /// Removes the link to the parent, when a failed start must not take
    /// it down; returns the parent to remove the other end.
    pub(crate) fn leave_parent(&self) -> Option<(ServerId, Weak<dyn Process>)> {
        self.lock().links.leave_parent()
    }

    /// Takes out the registries that watch the server, to tell them it
    /// stops before its mailbox closes. The watchers are upgraded outside
    /// the lock: dropping one may run another server's destructors.
    pub(crate) fn take_registries(&self) -> Vec<(MonitorRef, Arc<dyn Watcher>)> {
        let watchers = self.lock().links.watchers();
        let registries = registries(watchers);
        if !registries.is_empty() {
            self.lock().links.forget_watchers(&registries);
        }
        registries
    }

    /// The parent, the other links and how many watch the server.
    pub(crate) fn links_info(&self) -> LinksInfo {
        self.lock().links.info()
    }

    /// The parent, while linked.
    pub(crate) fn parent(&self) -> Option<ServerId> {
        self.lock().links.parent()
    }

    /// Traps exits, with `exit_info` (from [`Notices`]) to make the
    /// notices, or stops.
    pub(crate) fn trap_exits(&self, exit_info: Option<&'static NoticeFn>) {
        self.lock().links.trap_exits(exit_info);
    }

    /// Records that `watcher` monitors the server; `false` if it is stopping.
    pub(crate) fn add_monitor(&self, monitor: MonitorRef, watcher: Weak<dyn Watcher>) -> bool {
        let mut shared = self.lock();
        shared
            .links
            .add_monitor(self.closed.load(Relaxed), monitor, watcher)
    }

    /// Forgets the watcher of `monitor`.
    pub(crate) fn remove_monitor(&self, monitor: MonitorRef) {
        let removed = self.lock().links.remove_monitor(monitor);
        drop(removed);
    }

    /// Records that the server monitors `target` under `monitor`, with
    /// `down_info` (from [`Notices`]) to make its notices.
    pub(crate) fn watch(
        &self,
        monitor: MonitorRef,
        target: Weak<dyn Process>,
        down_info: &'static NoticeFn,
    ) {
        self.lock().links.watch(monitor, target, down_info);
    }

    /// Caps the servers linked to this one at `max`.
    pub(crate) fn limit_links(&self, max: usize) {
        self.lock().links.limit_links(max);
    }

    /// Reserves a slot for a server about to link to this one; with `force`,
    /// even beyond the cap.
    pub(crate) fn reserve_link(&self, force: bool) -> Result<(), Refused> {
        let mut shared = self.lock();
        shared.links.reserve_link(self.closed.load(Relaxed), force)
    }

    /// Gives back a slot reserved with [`reserve_link`](Self::reserve_link).
    pub(crate) fn release_link(&self) {
        self.lock().links.release_link();
    }

    /// Forgets the monitor `monitor`; returns its target if it was on.
    pub(crate) fn unwatch(&self, monitor: MonitorRef) -> Option<Weak<dyn Process>> {
        self.lock().links.unwatch(monitor)
    }

    /// The info message of `down`, if its monitor is still on.
    pub(crate) fn take_down(&self, down: Down) -> Option<T::Info> {
        let down_info = self.lock().links.take_down(down.monitor);
        Some(typed::<Down, T::Info>(down_info)?(down))
    }
}

/// The `fn`s that make a server's notices, as constants of its type, which
/// a link table stores by reference.
pub(crate) struct Notices<T>(PhantomData<T>);

impl<T: ReceivesExit> Notices<T> {
    /// Makes the server's `Exit` notices.
    pub(crate) const EXIT: &'static NoticeFn =
        &(&(T::exit_info as fn(Exit) -> T::Info) as NoticeFn);
}

impl<T: ReceivesDown> Notices<T> {
    /// Makes the server's `Down` notices.
    pub(crate) const DOWN: &'static NoticeFn =
        &(&(T::down_info as fn(Down) -> T::Info) as NoticeFn);
}

/// The watchers that are registries, upgraded: told of a server's end
/// before anyone else.
fn registries(
    watchers: Vec<(MonitorRef, Weak<dyn Watcher>)>,
) -> Vec<(MonitorRef, Arc<dyn Watcher>)> {
    watchers
        .into_iter()
        .filter_map(|(monitor, watcher)| {
            let watcher = watcher.upgrade()?;
            watcher.is_registry().then_some((monitor, watcher))
        })
        .collect()
}
