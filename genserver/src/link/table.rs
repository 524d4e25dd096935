//! The table of one server's links and monitors, under its mailbox lock.
//!
//! Compact for the common cases: a supervised server has one link, to its
//! parent, kept in a field of its own; a few other links or monitors live
//! in a vector, many in a hash map; monitors are one box further, so that
//! a server that only links does not carry them.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Weak};

use tokio::task::AbortHandle;

use super::entries::Entries;
use super::{Down, Exit, MonitorRef};
use crate::mailbox::{Envelope, Mailbox};
use crate::process::{Process, Watcher};
use crate::sys::LinksInfo;
use crate::{ExitReason, GenServer, ServerId};

/// One server's links and monitors.
pub(crate) struct Links<T: GenServer> {
    /// The server that started this one with `start_link`, while linked.
    parent: Option<(ServerId, Weak<dyn Process>)>,
    /// The other servers linked to this one.
    linked: Entries<ServerId>,
    /// Set while the server traps exits.
    exit_info: Option<fn(Exit) -> T::Info>,
    /// Why an exit signal killed the server.
    killed_with: Option<ExitReason>,
    monitors: Option<Box<Monitors<T>>>,
    /// A cap on the servers linked to this one, when it has one.
    slots: Option<Box<Slots>>,
}

/// A dynamic supervisor's `max_children`, which the tasks that start its
/// children check here, under its lock: its links are its children.
struct Slots {
    max: usize,
    /// Starts in flight, and children waiting to be restarted.
    reserved: usize,
}

/// Why no slot could be reserved.
pub(crate) enum Refused {
    /// The server is stopping.
    Closed,
    /// Every slot is taken.
    Full,
}

/// Monitors, both ways.
struct Monitors<T: GenServer> {
    /// Who monitors this server: servers, and registries it is in.
    watchers: Entries<MonitorRef, Weak<dyn Watcher>>,
    /// The servers this one monitors.
    watched: Entries<MonitorRef>,
    down_info: Option<fn(Down) -> T::Info>,
}

impl<T: GenServer> Default for Links<T> {
    fn default() -> Self {
        Self {
            parent: None,
            linked: Entries::default(),
            exit_info: None,
            killed_with: None,
            monitors: None,
            slots: None,
        }
    }
}

/// Frees a server's links once nothing is left in them, so that a link or
/// monitor that is gone costs nothing; also the monitors' box alone.
fn tidy<T: GenServer>(slot: &mut Option<Box<Links<T>>>) {
    let Some(links) = slot.as_mut() else {
        return;
    };
    if links
        .monitors
        .as_ref()
        .is_some_and(|m| m.watchers.len() == 0 && m.watched.len() == 0)
    {
        links.monitors = None;
    }
    let empty = links.parent.is_none()
        && links.linked.len() == 0
        && links.exit_info.is_none()
        && links.killed_with.is_none()
        && links.monitors.is_none()
        && links.slots.is_none();
    if empty {
        *slot = None;
    }
}

impl<T: GenServer> Links<T> {
    fn monitors(&mut self) -> &mut Monitors<T> {
        self.monitors.get_or_insert_with(|| {
            Box::new(Monitors {
                watchers: Entries::default(),
                watched: Entries::default(),
                down_info: None,
            })
        })
    }

    /// Removes the link to `id`; `Some(true)` if it was the parent's.
    fn unlink(&mut self, id: ServerId) -> Option<(bool, Weak<dyn Process>)> {
        if self
            .parent
            .as_ref()
            .is_some_and(|(parent, _)| *parent == id)
        {
            return self.parent.take().map(|(_, to)| (true, to));
        }
        self.linked.remove(id).map(|to| (false, to))
    }

    /// Tells every linked server and every watcher that server `id` stopped
    /// with `reason`, and removes this server's own monitors.
    pub(crate) fn propagate(self, id: ServerId, reason: &ExitReason) {
        // Watchers first: a registry forgets the server before its exit
        // signal reaches its supervisor, which may register a new one
        // under the same key at once.
        if let Some(monitors) = self.monitors {
            for (monitor, watcher) in monitors.watchers.into_entries() {
                if let Some(watcher) = watcher.upgrade() {
                    watcher.down(Down {
                        monitor,
                        id,
                        reason: reason.clone(),
                    });
                }
            }
            for (monitor, target) in monitors.watched.into_entries() {
                if let Some(target) = target.upgrade() {
                    target.remove_monitor(monitor);
                }
            }
        }
        let parent = self.parent.map(|(_, to)| to);
        for to in parent
            .into_iter()
            .chain(self.linked.into_entries().map(|(_, to)| to))
        {
            if let Some(to) = to.upgrade() {
                to.exit_from(id, reason);
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
        if self.closed.load(Relaxed) {
            return None;
        }
        shared.links().killed_with.get_or_insert(reason);
        shared.task.clone()
    }

    /// Why an exit signal killed the server, if one did.
    pub(crate) fn kill_reason(&self) -> Option<ExitReason> {
        self.lock().links.as_ref()?.killed_with.clone()
    }

    /// Whether an exit signal killed the server.
    pub(crate) fn is_killed(links: Option<&Links<T>>) -> bool {
        links.is_some_and(|links| links.killed_with.is_some())
    }

    /// Records a link to `id` (its parent's if `parent`); `false` if the
    /// server is stopping.
    pub(crate) fn add_link(&self, id: ServerId, to: Weak<dyn Process>, parent: bool) -> bool {
        let mut shared = self.lock();
        if self.closed.load(Relaxed) {
            return false;
        }
        let links = shared.links();
        if parent {
            links.parent = Some((id, to));
        } else if links.parent.as_ref().is_none_or(|(p, _)| *p != id) {
            links.linked.insert(id, to);
        }
        true
    }

    /// Whether the server is linked to `id`.
    pub(crate) fn is_linked(&self, id: ServerId) -> bool {
        let shared = self.lock();
        shared.links.as_ref().is_some_and(|links| {
            links
                .parent
                .as_ref()
                .is_some_and(|(parent, _)| *parent == id)
                || links.linked.contains(id)
        })
    }

    pub(crate) fn remove_link(&self, id: ServerId) -> bool {
        let removed = {
            let mut shared = self.lock();
            let Some(links) = shared.links.as_mut() else {
                return false;
            };
            let removed = links.unlink(id);
            tidy(&mut shared.links);
            removed
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
            if self.closed.load(Relaxed) {
                return;
            }
            let Some(links) = shared.links.as_mut() else {
                return;
            };
            let Some((from_parent, _)) = links.unlink(from) else {
                return;
            };
            let action = match links.exit_info {
                Some(_) if from_parent => (shared.push(Envelope::Stop(reason.clone())), None),
                Some(exit_info) => {
                    let notice = exit_info(Exit {
                        from,
                        reason: reason.clone(),
                    });
                    (shared.push(Envelope::Info(notice)), None)
                }
                None if *reason == ExitReason::Normal => (None, None),
                None => {
                    links.killed_with.get_or_insert_with(|| reason.clone());
                    (None, shared.task.clone())
                }
            };
            tidy(&mut shared.links);
            action
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
        let mut shared = self.lock();
        let parent = shared.links.as_mut()?.parent.take();
        tidy(&mut shared.links);
        parent
    }

    /// Takes out the registries that watch the server, to tell them it
    /// stops before its mailbox closes. The watchers are upgraded outside
    /// the lock: dropping one may run another server's destructors.
    pub(crate) fn take_registries(&self) -> Vec<(MonitorRef, Arc<dyn Watcher>)> {
        let watchers: Vec<(MonitorRef, Weak<dyn Watcher>)> = {
            let shared = self.lock();
            let Some(monitors) = shared.links.as_ref().and_then(|l| l.monitors.as_ref()) else {
                return Vec::new();
            };
            monitors
                .watchers
                .iter()
                .map(|(monitor, watcher)| (monitor, Weak::clone(watcher)))
                .collect()
        };
        let registries: Vec<(MonitorRef, Arc<dyn Watcher>)> = watchers
            .into_iter()
            .filter_map(|(monitor, watcher)| {
                let watcher = watcher.upgrade()?;
                if watcher.is_registry() {
                    Some((monitor, watcher))
                } else {
                    None
                }
            })
            .collect();
        if !registries.is_empty() {
            let mut shared = self.lock();
            if let Some(monitors) = shared.links.as_mut().and_then(|l| l.monitors.as_mut()) {
                for (monitor, _) in &registries {
                    monitors.watchers.remove(*monitor);
                }
            }
        }
        registries
    }

    /// The parent, the other links and how many watch the server.
    pub(crate) fn links_info(&self) -> LinksInfo {
        let shared = self.lock();
        let Some(links) = shared.links.as_deref() else {
            return LinksInfo::default();
        };
        let linked = match &links.linked {
            Entries::Few(few) => few.iter().map(|(id, _)| *id).collect(),
            Entries::Many(many) => many.keys().copied().collect(),
        };
        LinksInfo {
            parent: links.parent.as_ref().map(|(id, _)| *id),
            linked,
            monitors: links
                .monitors
                .as_ref()
                .map_or(0, |monitors| monitors.watchers.len()),
        }
    }

    /// The parent, while linked.
    pub(crate) fn parent(&self) -> Option<ServerId> {
        let shared = self.lock();
        shared.links.as_ref()?.parent.as_ref().map(|(id, _)| *id)
    }

    pub(crate) fn trap_exits(&self, exit_info: Option<fn(Exit) -> T::Info>) {
        let mut shared = self.lock();
        shared.links().exit_info = exit_info;
        tidy(&mut shared.links);
    }

    pub(crate) fn add_monitor(&self, monitor: MonitorRef, watcher: Weak<dyn Watcher>) -> bool {
        let mut shared = self.lock();
        if self.closed.load(Relaxed) {
            return false;
        }
        shared.links().monitors().watchers.insert(monitor, watcher);
        true
    }

    pub(crate) fn remove_monitor(&self, monitor: MonitorRef) {
        let removed = {
            let mut shared = self.lock();
            let Some(monitors) = shared.links.as_mut().and_then(|l| l.monitors.as_mut()) else {
                return;
            };
            let removed = monitors.watchers.remove(monitor);
            tidy(&mut shared.links);
            removed
        };
        drop(removed);
    }

    /// Records that the server monitors `target` under `monitor`.
    pub(crate) fn watch(
        &self,
        monitor: MonitorRef,
        target: Weak<dyn Process>,
        down_info: fn(Down) -> T::Info,
    ) {
        let mut shared = self.lock();
        let monitors = shared.links().monitors();
        monitors.down_info = Some(down_info);
        monitors.watched.insert(monitor, target);
    }

    /// Caps the servers linked to this one at `max`.
    pub(crate) fn limit_links(&self, max: usize) {
        self.lock().links().slots = Some(Box::new(Slots { max, reserved: 0 }));
    }

    /// Reserves a slot for a server about to link to this one; with `force`,
    /// even beyond the cap.
    pub(crate) fn reserve_link(&self, force: bool) -> Result<(), Refused> {
        let mut shared = self.lock();
        if self.closed.load(Relaxed) {
            return Err(Refused::Closed);
        }
        let Some(links) = shared.links.as_mut() else {
            return Ok(());
        };
        let linked = links.linked.len();
        let Some(slots) = links.slots.as_mut() else {
            return Ok(());
        };
        if !force && linked + slots.reserved >= slots.max {
            return Err(Refused::Full);
        }
        slots.reserved += 1;
        Ok(())
    }

    /// Gives back a slot reserved with [`reserve_link`](Self::reserve_link).
    pub(crate) fn release_link(&self) {
        let mut shared = self.lock();
        if let Some(slots) = shared.links.as_mut().and_then(|links| links.slots.as_mut()) {
            slots.reserved = slots.reserved.saturating_sub(1);
        }
    }

    /// Forgets the monitor `monitor`; returns its target if it was on.
    pub(crate) fn unwatch(&self, monitor: MonitorRef) -> Option<Weak<dyn Process>> {
        let mut shared = self.lock();
        let target = shared
            .links
            .as_mut()?
            .monitors
            .as_mut()?
            .watched
            .remove(monitor);
        tidy(&mut shared.links);
        target
    }

    /// The info message of `down`, if its monitor is still on.
    pub(crate) fn take_down(&self, down: Down) -> Option<T::Info> {
        let down_info = {
            let mut shared = self.lock();
            let monitors = shared.links.as_mut()?.monitors.as_mut()?;
            monitors.watched.remove(down.monitor)?;
            let down_info = monitors.down_info;
            tidy(&mut shared.links);
            down_info?
        };
        Some(down_info(down))
    }
}
