//! The table of servers, for [`processes`](super::processes) and for the
//! parent a `start_link` links to: a few partitions by id, each behind its
//! own lock, touched when a server starts and when the last pointer to it
//! goes, never on the message path. A server that has stopped stays until
//! then, skipped by `processes`.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use tokio::time::Instant;

use crate::ServerId;
use crate::id_hash::IdMap;
use crate::process::Process;

/// One running server.
pub(super) struct Entry {
    pub(super) process: Weak<dyn Process>,
    pub(super) started: Stamp,
}

/// When a server started: nanoseconds from the first start the table saw,
/// signed (a test's paused clock may be behind it). 8 bytes where an
/// `Instant` takes 16, in the entry every running server has.
#[derive(Clone, Copy)]
pub(super) struct Stamp(i64);

impl Stamp {
    fn now() -> Self {
        static BASE: OnceLock<Instant> = OnceLock::new();
        let now = Instant::now();
        let base = *BASE.get_or_init(|| now);
        let nanos = |span: Duration| i64::try_from(span.as_nanos()).unwrap_or(i64::MAX);
        Self(match now.checked_duration_since(base) {
            Some(after) => nanos(after),
            None => -nanos(base - now),
        })
    }

    fn elapsed(self) -> Duration {
        let nanos = Self::now().0.saturating_sub(self.0);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
    }
}

type Partition = Mutex<IdMap<ServerId, Entry>>;

/// The partitions: as many as the machine has threads, rounded up to a power
/// of two, so that servers starting on different threads seldom meet.
fn partitions() -> &'static [Partition] {
    static PARTITIONS: OnceLock<Box<[Partition]>> = OnceLock::new();
    PARTITIONS.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        (0..threads.next_power_of_two())
            .map(|_| Mutex::new(IdMap::default()))
            .collect()
    })
}

fn partition(id: ServerId) -> MutexGuard<'static, IdMap<ServerId, Entry>> {
    let partitions = partitions();
    // Ids are sequential: consecutive servers land in different partitions.
    let index = usize::try_from(id.get()).unwrap_or(0) & (partitions.len() - 1);
    partitions[index]
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Records a server that is starting.
pub(crate) fn insert(id: ServerId, process: Weak<dyn Process>) {
    let entry = Entry {
        process,
        started: Stamp::now(),
    };
    partition(id).insert(id, entry);
}

/// How many servers' room a partition keeps, however empty.
const SPARE: usize = 64;

/// Forgets a server whose shared state is dropped. A partition that a wave
/// of servers grew gives its room back once it is three-quarters empty.
pub(crate) fn remove(id: ServerId) {
    let mut partition = partition(id);
    let removed = partition.remove(&id);
    crate::room::give_back(&mut partition, SPARE);
    drop(partition);
    drop(removed);
}

/// The server `id`, while it is in the table.
pub(crate) fn process(id: ServerId) -> Option<Weak<dyn Process>> {
    partition(id)
        .get(&id)
        .map(|entry| Weak::clone(&entry.process))
}

/// How long the server has been running, if it is in the table.
pub(super) fn uptime(id: ServerId) -> Option<Duration> {
    partition(id).get(&id).map(|entry| entry.started.elapsed())
}

/// Every running server with its uptime, one partition locked at a time.
pub(super) fn snapshot() -> Vec<(std::sync::Arc<dyn Process>, Duration)> {
    let mut all = Vec::new();
    for partition in partitions() {
        let partition = partition.lock().unwrap_or_else(PoisonError::into_inner);
        all.extend(
            partition
                .values()
                .filter_map(|entry| Some((entry.process.upgrade()?, entry.started.elapsed()))),
        );
    }
    all
}
