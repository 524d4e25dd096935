//! The table of one server's links and monitors, under its mailbox lock.
//!
//! Compact for the common cases: a supervised server has one link, to its
//! parent, kept in a field of its own; a few other links or monitors live
//! in a vector, many in a hash map; monitors are one box further, so that
//! a server that only links does not carry them.
//!
//! The table is the same type for every server, and so is the code that
//! reads and changes it: compiled once, not once per server type. Only what
//! makes a server's own info messages is typed, kept as a `fn` pointer
//! behind `dyn Any` and taken back by the methods of the server's mailbox
//! (`mailbox.rs` here), which know its type and hold its lock.

use std::any::Any;
use std::sync::{Arc, Weak};

use super::entries::Entries;
use super::{Down, MonitorRef};
use crate::process::{Process, Watcher};
use crate::sys::LinksInfo;
use crate::{ExitReason, ServerId};

/// Where a server keeps its links and monitors: nothing until it has one.
#[derive(Default)]
pub(crate) struct LinkSlot(Option<Box<Links>>);

/// One server's links and monitors.
#[derive(Default)]
pub(crate) struct Links {
    /// The server that started this one with `start_link`, while linked.
    parent: Option<(ServerId, Weak<dyn Process>)>,
    /// The other servers linked to this one.
    linked: Entries<ServerId>,
    /// Set while the server traps exits: its `fn(Exit) -> T::Info`.
    exit_info: Option<&'static NoticeFn>,
    /// Why an exit signal killed the server.
    killed_with: Option<ExitReason>,
    monitors: Option<Box<Monitors>>,
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

/// What an exit signal does to the server it reaches.
pub(super) enum Signal {
    /// Nothing: the link was gone, or the reason is `normal` and the
    /// server does not trap exits.
    Ignored,
    /// From its parent, to a server that traps exits: it stops with the
    /// reason once the messages before the signal are handled.
    Stop,
    /// To a server that traps exits: an [`Exit`] notice.
    Notice,
    /// It dies with the reason (recorded), at once.
    Kill,
}

/// A server's `fn` that makes its info message of a notice, untyped: a
/// constant of its type (see `Notices` in `mailbox.rs`), which a table
/// points to without allocating.
pub(crate) type NoticeFn = &'static (dyn Any + Send + Sync);

/// Takes back the `fn` that `stored` holds, as made for the server type
/// whose mailbox asks (the only one that stores it there).
pub(super) fn typed<N: 'static, I: 'static>(
    stored: Option<&'static NoticeFn>,
) -> Option<fn(N) -> I> {
    stored
        .and_then(|stored| stored.downcast_ref::<fn(N) -> I>())
        .copied()
}

/// Monitors, both ways.
struct Monitors {
    /// Who monitors this server: servers, and registries it is in.
    watchers: Entries<MonitorRef, Weak<dyn Watcher>>,
    /// The servers this one monitors.
    watched: Entries<MonitorRef>,
    /// Set once the server monitors another: its `fn(Down) -> T::Info`.
    down_info: Option<&'static NoticeFn>,
}

/// Every operation on a server's links, for its mailbox to call under its
/// lock. `closed` is whether the mailbox has closed: a server that is
/// stopping takes no new link or monitor.
impl LinkSlot {
    /// The links, allocated if need be.
    fn links(&mut self) -> &mut Links {
        self.0.get_or_insert_with(Box::default)
    }

    /// Frees the links once nothing is left in them, so that a link or
    /// monitor that is gone costs nothing; also the monitors' box alone.
    pub(super) fn tidy(&mut self) {
        let Some(links) = self.0.as_mut() else {
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
            self.0 = None;
        }
    }

    /// Takes the links out, as the mailbox closes.
    pub(crate) fn take(&mut self) -> Option<Box<Links>> {
        self.0.take()
    }

    /// Marks the server as killed with `reason`, unless it is closed;
    /// `false` if it is.
    pub(super) fn kill(&mut self, closed: bool, reason: ExitReason) -> bool {
        if closed {
            return false;
        }
        self.links().killed_with.get_or_insert(reason);
        true
    }

    /// Why an exit signal killed the server, if one did.
    pub(crate) fn kill_reason(&self) -> Option<ExitReason> {
        self.0.as_ref()?.killed_with.clone()
    }

    /// Whether an exit signal killed the server.
    pub(crate) fn is_killed(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|links| links.killed_with.is_some())
    }

    /// Records a link to `id` (its parent's if `parent`); `false` if closed.
    pub(super) fn add_link(
        &mut self,
        closed: bool,
        id: ServerId,
        to: Weak<dyn Process>,
        parent: bool,
    ) -> bool {
        if closed {
            return false;
        }
        let links = self.links();
        if parent {
            links.parent = Some((id, to));
        } else if links.parent.as_ref().is_none_or(|(p, _)| *p != id) {
            links.linked.insert(id, to);
        }
        true
    }

    /// Whether the server is linked to `id`.
    pub(super) fn is_linked(&self, id: ServerId) -> bool {
        self.0.as_ref().is_some_and(|links| {
            links
                .parent
                .as_ref()
                .is_some_and(|(parent, _)| *parent == id)
                || links.linked.contains(id)
        })
    }

    /// Removes the link to `id`; the other end, if it was linked.
    pub(super) fn remove_link(&mut self, id: ServerId) -> Option<Weak<dyn Process>> {
        let removed = self.0.as_mut()?.unlink(id);
        self.tidy();
        removed.map(|(_, to)| to)
    }

    /// Removes the link to `from`, and says what its exit signal does.
    /// Returns the other end too, to be dropped outside the lock.
    pub(super) fn exit_signal(
        &mut self,
        from: ServerId,
        reason: &ExitReason,
    ) -> (Signal, Option<Weak<dyn Process>>) {
        let Some(links) = self.0.as_mut() else {
            return (Signal::Ignored, None);
        };
        let Some((from_parent, to)) = links.unlink(from) else {
            return (Signal::Ignored, None);
        };
        let signal = match &links.exit_info {
            Some(_) if from_parent => Signal::Stop,
            Some(_) => Signal::Notice,
            None if *reason == ExitReason::Normal => Signal::Ignored,
            None => {
                links.killed_with.get_or_insert_with(|| reason.clone());
                Signal::Kill
            }
        };
        (signal, Some(to))
    }

    /// What makes the exit notices of a server that traps exits.
    pub(super) fn exit_info(&self) -> Option<&'static NoticeFn> {
        self.0.as_ref()?.exit_info
    }

    /// Traps exits with notices from `exit_info`, or stops trapping them.
    pub(super) fn trap_exits(&mut self, exit_info: Option<&'static NoticeFn>) {
        self.links().exit_info = exit_info;
        self.tidy();
    }

    /// Removes the link to the parent, when a failed start must not take
    /// it down; returns the parent to remove the other end.
    pub(super) fn leave_parent(&mut self) -> Option<(ServerId, Weak<dyn Process>)> {
        let parent = self.0.as_mut()?.parent.take();
        self.tidy();
        parent
    }

    /// The parent, while linked.
    pub(super) fn parent(&self) -> Option<ServerId> {
        self.0.as_ref()?.parent.as_ref().map(|(id, _)| *id)
    }

    /// The servers and registries that watch the server.
    pub(super) fn watchers(&self) -> Vec<(MonitorRef, Weak<dyn Watcher>)> {
        let Some(monitors) = self.0.as_ref().and_then(|l| l.monitors.as_ref()) else {
            return Vec::new();
        };
        monitors
            .watchers
            .iter()
            .map(|(monitor, watcher)| (monitor, Weak::clone(watcher)))
            .collect()
    }

    /// Forgets the watchers `registries` (taken out to be told first).
    pub(super) fn forget_watchers(&mut self, registries: &[(MonitorRef, Arc<dyn Watcher>)]) {
        if let Some(monitors) = self.0.as_mut().and_then(|l| l.monitors.as_mut()) {
            for (monitor, _) in registries {
                monitors.watchers.remove(*monitor);
            }
        }
    }

    /// The parent, the other links and how many watch the server.
    pub(super) fn info(&self) -> LinksInfo {
        let Some(links) = self.0.as_deref() else {
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

    /// Records that `watcher` monitors the server; `false` if closed.
    pub(super) fn add_monitor(
        &mut self,
        closed: bool,
        monitor: MonitorRef,
        watcher: Weak<dyn Watcher>,
    ) -> bool {
        if closed {
            return false;
        }
        self.links().monitors().watchers.insert(monitor, watcher);
        true
    }

    /// Forgets the watcher of `monitor`; returns it, to be dropped outside
    /// the lock.
    pub(super) fn remove_monitor(&mut self, monitor: MonitorRef) -> Option<Weak<dyn Watcher>> {
        let removed = self.0.as_mut()?.monitors.as_mut()?.watchers.remove(monitor);
        self.tidy();
        removed
    }

    /// Records that the server monitors `target` under `monitor`, with
    /// `down_info` to make its notices.
    pub(super) fn watch(
        &mut self,
        monitor: MonitorRef,
        target: Weak<dyn Process>,
        down_info: &'static NoticeFn,
    ) {
        let monitors = self.links().monitors();
        monitors.down_info = Some(down_info);
        monitors.watched.insert(monitor, target);
    }

    /// Forgets the monitor `monitor`; returns its target if it was on.
    pub(super) fn unwatch(&mut self, monitor: MonitorRef) -> Option<Weak<dyn Process>> {
        let target = self.0.as_mut()?.monitors.as_mut()?.watched.remove(monitor);
        self.tidy();
        target
    }

    /// Forgets the monitor of a `Down` notice as the notice arrives: what
    /// makes the server's notices, if the monitor was still on.
    pub(super) fn take_down(&mut self, monitor: MonitorRef) -> Option<&'static NoticeFn> {
        let monitors = self.0.as_mut()?.monitors.as_mut()?;
        monitors.watched.remove(monitor)?;
        let down_info = monitors.down_info;
        self.tidy();
        down_info
    }

    /// Caps the servers linked to this one at `max`.
    pub(super) fn limit_links(&mut self, max: usize) {
        self.links().slots = Some(Box::new(Slots { max, reserved: 0 }));
    }

    /// Reserves a slot for a server about to link to this one; with `force`,
    /// even beyond the cap.
    pub(super) fn reserve_link(&mut self, closed: bool, force: bool) -> Result<(), Refused> {
        if closed {
            return Err(Refused::Closed);
        }
        let Some(links) = self.0.as_mut() else {
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
    pub(super) fn release_link(&mut self) {
        if let Some(slots) = self.0.as_mut().and_then(|links| links.slots.as_mut()) {
            slots.reserved = slots.reserved.saturating_sub(1);
        }
    }
}

impl Links {
    fn monitors(&mut self) -> &mut Monitors {
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
    /// with `reason`, and removes this server's own monitors. A panic (in
    /// a destructor this drops) is caught and logged: the server's end is
    /// published whatever happens here.
    pub(crate) fn propagate(self: Box<Self>, id: ServerId, reason: &ExitReason) {
        crate::panic::catch_and_log("telling linked servers", move || (*self).tell(id, reason));
    }

    fn tell(self, id: ServerId, reason: &ExitReason) {
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
