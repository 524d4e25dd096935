//! Unit tests of the link table: its small and large forms, and the slots
//! of a capped server.

use std::sync::{Arc, Weak};

use super::entries::{Entries, FEW};
use super::table::Refused;
use crate::mailbox::Mailbox;
use crate::process::Process;
use crate::server_ref::Inner;
use crate::{ServerId, gen_server};

struct Probe;

#[gen_server(crate = crate)]
impl Probe {
    #[cast]
    fn poke(&mut self) {}
}

fn nobody() -> Weak<dyn Process> {
    Weak::<Inner<Probe>>::new()
}

#[test]
fn entries_stay_one_map_across_the_switch_to_a_hash_map() {
    let ids: Vec<ServerId> = (0..FEW * 3).map(|_| ServerId::next()).collect();
    let mut entries = Entries::default();
    for (index, id) in ids.iter().enumerate() {
        assert!(!entries.contains(*id));
        entries.insert(*id, nobody());
        entries.insert(*id, nobody()); // again: no duplicate
        assert_eq!(entries.len(), index + 1);
        assert!(matches!(entries, Entries::Few(_)) == (index < FEW));
    }
    assert!(ids.iter().all(|id| entries.contains(*id)));
    for (index, id) in ids.iter().enumerate() {
        assert!(entries.remove(*id).is_some());
        assert!(entries.remove(*id).is_none());
        assert!(!entries.contains(*id));
        assert_eq!(entries.len(), ids.len() - index - 1);
    }
    let mut few = Entries::default();
    let (a, b) = (ServerId::next(), ServerId::next());
    few.insert(a, nobody());
    few.insert(b, nobody());
    assert!(few.remove(a).is_some());
    assert!(few.contains(b) && !few.contains(a));
    assert_eq!(
        few.into_entries().map(|(id, _)| id).collect::<Vec<_>>(),
        [b]
    );
}

#[test]
fn a_link_is_known_from_either_side_and_once() {
    let mailbox = Mailbox::<Probe>::new();
    let (parent, other, stranger) = (ServerId::next(), ServerId::next(), ServerId::next());
    assert!(!mailbox.is_linked(parent));
    assert!(mailbox.add_link(parent, nobody(), true));
    assert!(mailbox.add_link(other, nobody(), false));
    // Linking the parent again as an ordinary link keeps one link.
    assert!(mailbox.add_link(parent, nobody(), false));
    assert!(mailbox.is_linked(parent) && mailbox.is_linked(other));
    assert!(!mailbox.is_linked(stranger));
    assert_eq!(mailbox.parent(), Some(parent));
    assert!(mailbox.remove_link(parent));
    assert!(!mailbox.is_linked(parent));
    assert_eq!(mailbox.parent(), None);
    assert!(!mailbox.remove_link(parent));
    assert!(mailbox.remove_link(other));
    assert!(!mailbox.is_linked(other));
}

#[test]
fn slots_cap_the_links_and_come_back() {
    let mailbox = Mailbox::<Probe>::new();
    assert!(mailbox.reserve_link(false).is_ok(), "no cap: always room");
    mailbox.release_link();
    mailbox.limit_links(2);
    assert!(mailbox.reserve_link(false).is_ok());
    mailbox.add_link(ServerId::next(), nobody(), false);
    mailbox.release_link();
    assert!(mailbox.reserve_link(false).is_ok());
    assert!(matches!(mailbox.reserve_link(false), Err(Refused::Full)));
    // A restart holds its slot even beyond the cap.
    assert!(mailbox.reserve_link(true).is_ok());
    mailbox.release_link();
    mailbox.release_link();
    assert!(mailbox.reserve_link(false).is_ok());
    mailbox.release_link();
    let _ = mailbox.close();
    assert!(matches!(mailbox.reserve_link(false), Err(Refused::Closed)));
}

/// A server killed by an exit signal before its task was recorded: the
/// task is aborted as soon as it is.
#[tokio::test]
async fn a_kill_before_the_task_is_known_aborts_it_when_it_is() {
    let mailbox = Mailbox::<Probe>::new();
    assert!(
        mailbox
            .kill_with(crate::ExitReason::custom("early"))
            .is_none()
    );
    let task = tokio::spawn(std::future::pending::<()>());
    mailbox.set_task(task.abort_handle());
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
    let ended = ended.expect("aborted, not left running");
    assert!(ended.unwrap_err().is_cancelled());
    assert_eq!(
        mailbox.kill_reason(),
        Some(crate::ExitReason::custom("early"))
    );
}

/// After `remove_monitor`, the target's exit sends that watcher nothing.
#[test]
fn a_removed_monitor_is_not_notified() {
    let watcher = probe();
    let target = probe();
    let (kept, removed) = (crate::MonitorRef::next(), crate::MonitorRef::next());
    let as_process = |inner: &Arc<Inner<Probe>>| -> Weak<dyn Process> {
        let weak: Weak<Inner<Probe>> = Arc::downgrade(inner);
        weak
    };
    assert!(target.mailbox.add_monitor(kept, as_process(&watcher)));
    assert!(target.mailbox.add_monitor(removed, as_process(&watcher)));
    target.mailbox.remove_monitor(removed);
    let (_, _, links) = target.mailbox.close();
    links
        .expect("links")
        .propagate(target.id, &crate::ExitReason::Normal);
    let (queued, _, _) = watcher.mailbox.close();
    let monitors: Vec<_> = queued
        .into_iter()
        .filter_map(|envelope| match envelope {
            crate::mailbox::Envelope::Down(down) => Some(down.monitor),
            _ => None,
        })
        .collect();
    assert_eq!(monitors, [kept]);
}

/// A registry as the link table sees it: a watcher told before the close.
struct Registry(std::sync::atomic::AtomicUsize);

impl crate::process::Watcher for Registry {
    fn down(&self, _down: crate::Down) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn is_registry(&self) -> bool {
        true
    }
}

/// The registries that watch a server are taken out of its table before
/// its mailbox closes (to be told then, so that no lookup finds a server
/// that refuses messages), and are not told again with the other
/// watchers at the end; a server watching is left for the end.
#[test]
fn registries_are_taken_out_before_the_close_and_told_once() {
    let target = probe();
    let registry = Arc::new(Registry(std::sync::atomic::AtomicUsize::new(0)));
    let watcher = probe();
    let (by_registry, by_server) = (crate::MonitorRef::next(), crate::MonitorRef::next());
    let as_watcher = Arc::downgrade(&registry) as Weak<dyn crate::process::Watcher>;
    assert!(target.mailbox.add_monitor(by_registry, as_watcher));
    let weak: Weak<Inner<Probe>> = Arc::downgrade(&watcher);
    assert!(target.mailbox.add_monitor(by_server, weak));
    let taken = target.mailbox.take_registries();
    assert_eq!(
        taken
            .iter()
            .map(|(monitor, _)| *monitor)
            .collect::<Vec<_>>(),
        [by_registry]
    );
    assert!(
        target.mailbox.take_registries().is_empty(),
        "taken out once"
    );
    let (_, _, links) = target.mailbox.close();
    links
        .expect("the server watching is still there")
        .propagate(target.id, &crate::ExitReason::Normal);
    assert_eq!(
        registry.0.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "told by whoever took it out, not again at the end"
    );
    let (queued, _, _) = watcher.mailbox.close();
    assert_eq!(queued.len(), 1, "the server watching is told at the end");
}

fn probe() -> Arc<Inner<Probe>> {
    Arc::new(Inner::new(ServerId::next(), None, None))
}
