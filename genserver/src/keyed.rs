//! [`Registry`]: servers by key, as Elixir's `Registry` keeps them.
//!
//! A registry is split into partitions by the hash of the key, each under
//! a lock of its own, so that registrations and lookups from many threads
//! do not all wait on one lock. A partition monitors each server with
//! entries in it, once (see [`crate::link`]): when the server stops,
//! however it stops, its exit removes its entries, before anyone can see
//! its exit reason.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use crate::id_hash::IdMap;
use crate::link::{Down, MonitorRef};
use crate::process::{Process, ServerHandle, Watcher};
use crate::{AnyRef, CallError, GenServer, ServerId, ServerRef};

/// Whether a key names one server or many: `keys: :unique` or
/// `keys: :duplicate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keys {
    /// One server per key: names.
    Unique,
    /// Any number of servers per key, each once: topics for pub/sub.
    Duplicate,
}

/// Why a server could not be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The key of a unique registry is taken, by this server:
    /// `{:error, {:already_registered, pid}}`.
    #[error("the key is registered to {}", .0.id())]
    AlreadyRegistered(AnyRef),
    /// The server is not running.
    #[error("no process: the server is not running")]
    NoProc,
}

/// Servers by key: Elixir's `Registry`, for names built at run time
/// (`{:via, Registry, {registry, key}}`) and for local pub/sub (duplicate
/// keys and [`dispatch`](Self::dispatch)).
///
/// Keys are any `Hash + Eq + Clone` type; each entry also holds a value of
/// type `V` (Elixir's `value`), `()` by default. An entry is removed when
/// its server stops, however it stops; until then it keeps the server
/// running, as a name does (see [`ServerRef`] on unreachable servers).
/// Registries are values: several can live side by side, so that each test
/// can have its own. Cloning one gives another handle to the same
/// registry; the last one dropped lets go of the servers in it.
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{Keys, Registry};
///
/// #[derive(Default)]
/// struct Room {
///     lines: Vec<String>,
/// }
///
/// #[gen_server]
/// impl Room {
///     #[cast]
///     fn post(&mut self, line: String) {
///         self.lines.push(line);
///     }
///
///     #[call]
///     fn lines(&self) -> Vec<String> {
///         self.lines.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rooms: Registry<u64> = Registry::new(Keys::Unique);
/// let options = StartOptions::new().via(&rooms, 42);
/// let room = Room::start_with(options, Room::default()).await?;
///
/// // By key, typed; `NoProc` when nobody has the key.
/// ServerRef::<Room>::via(&rooms, &42)?.post("hello".into())?;
/// assert_eq!(room.lines().await?, ["hello"]);
/// assert_eq!(ServerRef::<Room>::via(&rooms, &7).unwrap_err(), CallError::NoProc);
///
/// room.stop().await?;
/// assert!(rooms.whereis::<Room>(&42).is_none()); // removed when it stopped
/// # Ok(()) }
/// ```
pub struct Registry<K, V = ()> {
    inner: Arc<Shared<K, V>>,
}

struct Shared<K, V> {
    keys: Keys,
    hasher: RandomState,
    partitions: Box<[Arc<Partition<K, V>>]>,
}

/// One partition: the keys that hash to it, under its own lock.
struct Partition<K, V> {
    table: Mutex<Table<K, V>>,
}

struct Table<K, V> {
    by_key: HashMap<K, Vec<Entry<V>>>,
    /// The servers with entries here: one monitor each, whatever the
    /// number of their keys, as Elixir's registry links a process once.
    by_server: IdMap<ServerId, Watched<K>>,
    /// Whose monitor each is, to remove its entries on exit.
    by_monitor: IdMap<MonitorRef, ServerId>,
    /// How many entries the partition holds.
    entries: usize,
}

struct Entry<V> {
    server: AnyRef,
    value: V,
}

/// A server with entries in a partition: its monitor and its keys there.
struct Watched<K> {
    monitor: MonitorRef,
    keys: Vec<K>,
}

impl<K, V> Registry<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// A registry of `keys`, with four partitions per available CPU, so
    /// that threads rarely meet on one lock (Elixir's `partitions:` is one
    /// per scheduler at most; its partitions are processes).
    pub fn new(keys: Keys) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_partitions(keys, 4 * cpus)
    }

    /// A registry of `keys` split into `partitions` (at least one).
    pub fn with_partitions(keys: Keys, partitions: usize) -> Self {
        let partitions = (0..partitions.max(1))
            .map(|_| {
                Arc::new(Partition {
                    table: Mutex::new(Table {
                        by_key: HashMap::new(),
                        by_server: IdMap::default(),
                        by_monitor: IdMap::default(),
                        entries: 0,
                    }),
                })
            })
            .collect();
        Self {
            inner: Arc::new(Shared {
                keys,
                hasher: RandomState::new(),
                partitions,
            }),
        }
    }

    /// Whether keys are unique or duplicate.
    pub fn keys_kind(&self) -> Keys {
        self.inner.keys
    }

    fn partition(&self, key: &K) -> &Arc<Partition<K, V>> {
        let partitions = &self.inner.partitions;
        let hash = self.inner.hasher.hash_one(key);
        // The high bits: the low ones pick the bucket inside the partition.
        #[allow(clippy::cast_possible_truncation)]
        let index = ((hash >> 32) as usize) % partitions.len();
        &partitions[index]
    }

    /// Registers `server` under `key` with `value`: `Registry.register/3`,
    /// for any server (Elixir registers the caller).
    ///
    /// # Errors
    ///
    /// [`RegistryError::AlreadyRegistered`] when the registry has unique
    /// keys and another server has `key`, or when `server` is under `key`
    /// already; [`RegistryError::NoProc`] when `server` is not running.
    pub fn register(
        &self,
        server: &impl ServerHandle,
        key: K,
        value: V,
    ) -> Result<(), RegistryError> {
        self.register_any(&AnyRef::of(server), key, value)
    }

    pub(crate) fn register_any(
        &self,
        server: &AnyRef,
        key: K,
        value: V,
    ) -> Result<(), RegistryError> {
        let partition = self.partition(&key);
        let monitor = {
            let mut table = partition.lock();
            // A server that is stopping holds its key no more: its exit
            // removes its entries, but perhaps not yet.
            let stale = table.by_key.get(&key).and_then(|entries| {
                let stale = entries.iter().find(|e| e.server.process().is_closed())?;
                Some(stale.server.id())
            });
            if let Some(stale) = stale {
                table.remove_key(stale, &key);
            }
            let entries = table.by_key.entry(key.clone()).or_default();
            let taken = match self.inner.keys {
                Keys::Unique => entries.first(),
                Keys::Duplicate => entries.iter().find(|e| e.server.id() == server.id()),
            };
            if let Some(taken) = taken {
                return Err(RegistryError::AlreadyRegistered(taken.server.clone()));
            }
            if entries.capacity() == 0 {
                // One entry per key is the common case, and the only one for
                // unique keys.
                entries.reserve_exact(1);
            }
            entries.push(Entry {
                server: server.clone(),
                value,
            });
            table.entries += 1;
            if let Some(watched) = table.by_server.get_mut(&server.id()) {
                // Watched already: its monitor covers this key too.
                watched.keys.push(key);
                None
            } else {
                let monitor = MonitorRef::next();
                let keys = vec![key];
                table
                    .by_server
                    .insert(server.id(), Watched { monitor, keys });
                table.by_monitor.insert(monitor, server.id());
                Some(monitor)
            }
        };
        let Some(monitor) = monitor else {
            return Ok(());
        };
        let watcher: Weak<dyn Watcher> = Arc::downgrade(partition) as Weak<Partition<K, V>>;
        if server.process().add_monitor(monitor, watcher) {
            Ok(())
        } else {
            // It stopped meanwhile: no exit of its will remove the entries.
            partition.forget(monitor);
            Err(RegistryError::NoProc)
        }
    }

    /// Removes the entries of `server` under `key`: `Registry.unregister/2`.
    pub fn unregister(&self, server: &impl ServerHandle, key: &K) {
        let id = server.id();
        let partition = self.partition(key);
        let unwatched = partition.lock().remove_key(id, key);
        if let Some((server, monitor)) = unwatched {
            server.process().remove_monitor(monitor);
        }
    }

    /// The servers under `key` with their values: `Registry.lookup/2`.
    pub fn lookup(&self, key: &K) -> Vec<(AnyRef, V)>
    where
        V: Clone,
    {
        let table = self.partition(key).lock();
        table.by_key.get(key).map_or_else(Vec::new, |entries| {
            entries
                .iter()
                .map(|entry| (entry.server.clone(), entry.value.clone()))
                .collect()
        })
    }

    /// The servers of type `T` under `key`, typed, with their values.
    pub fn lookup_as<T: GenServer>(&self, key: &K) -> Vec<(ServerRef<T>, V)>
    where
        V: Clone,
    {
        self.lookup(key)
            .into_iter()
            .filter_map(|(server, value)| server.downcast::<T>().ok().map(|s| (s, value)))
            .collect()
    }

    /// The server under `key`, if it is a `T`: the lookup of a via name
    /// (with duplicate keys, the first server registered under `key`).
    pub fn whereis<T: GenServer>(&self, key: &K) -> Option<ServerRef<T>> {
        let table = self.partition(key).lock();
        let entry = table.by_key.get(key)?.first()?;
        entry.server.clone().downcast::<T>().ok()
    }

    /// Calls `f` with each server under `key` and its value, outside the
    /// registry's locks: `Registry.dispatch/3`, local pub/sub.
    pub fn dispatch(&self, key: &K, mut f: impl FnMut(&AnyRef, &V))
    where
        V: Clone,
    {
        for (server, value) in self.lookup(key) {
            f(&server, &value);
        }
    }

    /// The servers under `key` whose value passes `pred`: `Registry.match/3`.
    pub fn match_values(&self, key: &K, mut pred: impl FnMut(&V) -> bool) -> Vec<(AnyRef, V)>
    where
        V: Clone,
    {
        let mut found = self.lookup(key);
        found.retain(|(_, value)| pred(value));
        found
    }

    /// The keys `server` is registered under: `Registry.keys/2`.
    pub fn keys(&self, server: &impl ServerHandle) -> Vec<K> {
        let id = server.id();
        let mut keys = Vec::new();
        for partition in &*self.inner.partitions {
            if let Some(watched) = partition.lock().by_server.get(&id) {
                keys.extend(watched.keys.iter().cloned());
            }
        }
        keys
    }

    /// How many entries the registry holds: `Registry.count/1`.
    pub fn count(&self) -> usize {
        self.inner
            .partitions
            .iter()
            .map(|partition| partition.lock().entries)
            .sum()
    }

    /// How many servers are under `key`: `Registry.count_match/3` without a
    /// pattern.
    pub fn count_key(&self, key: &K) -> usize {
        let table = self.partition(key).lock();
        table.by_key.get(key).map_or(0, Vec::len)
    }
}

impl<K, V> Partition<K, V> {
    fn lock(&self) -> MutexGuard<'_, Table<K, V>> {
        // No code that can panic runs under this lock, but stay usable if it did.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Hash + Eq, V> Table<K, V> {
    /// Removes the entry of server `id` under `key`; once it has no entry
    /// left here, forgets it and gives back its handle and monitor, to
    /// remove on the server outside the lock.
    fn remove_key(&mut self, id: ServerId, key: &K) -> Option<(AnyRef, MonitorRef)> {
        let entries = self.by_key.get_mut(key)?;
        let index = entries.iter().position(|entry| entry.server.id() == id)?;
        let entry = entries.remove(index);
        if entries.is_empty() {
            self.by_key.remove(key);
        }
        self.entries -= 1;
        let watched = self.by_server.get_mut(&id)?;
        if let Some(index) = watched.keys.iter().position(|k| k == key) {
            watched.keys.swap_remove(index);
        }
        if !watched.keys.is_empty() {
            return None;
        }
        let monitor = watched.monitor;
        self.by_server.remove(&id);
        self.by_monitor.remove(&monitor);
        Some((entry.server, monitor))
    }
}

impl<K: Hash + Eq, V> Partition<K, V> {
    /// Removes every entry of the server whose monitor is `monitor`; gives
    /// back what they held, to drop outside the lock.
    fn forget(&self, monitor: MonitorRef) -> Vec<Entry<V>> {
        let mut table = self.lock();
        let Some(id) = table.by_monitor.remove(&monitor) else {
            return Vec::new();
        };
        let Some(watched) = table.by_server.remove(&id) else {
            return Vec::new();
        };
        let mut gone = Vec::with_capacity(watched.keys.len());
        for key in &watched.keys {
            let Some(entries) = table.by_key.get_mut(key) else {
                continue;
            };
            if let Some(index) = entries.iter().position(|entry| entry.server.id() == id) {
                gone.push(entries.remove(index));
            }
            if entries.is_empty() {
                table.by_key.remove(key);
            }
        }
        table.entries -= gone.len();
        gone
    }
}

/// A registered server stopped: its entries go.
impl<K, V> Watcher for Partition<K, V>
where
    K: Hash + Eq + Send + Sync,
    V: Send + Sync,
{
    fn down(&self, down: Down) {
        drop(self.forget(down.monitor));
    }

    fn is_registry(&self) -> bool {
        true
    }
}

/// The last handle to a registry gone: its servers stop watching for it.
impl<K, V> Drop for Shared<K, V> {
    fn drop(&mut self) {
        for partition in &*self.partitions {
            let table = partition
                .table
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for entries in table.by_key.values() {
                for entry in entries {
                    let id = entry.server.id();
                    if let Some(watched) = table.by_server.get(&id) {
                        entry.server.process().remove_monitor(watched.monitor);
                    }
                }
            }
        }
    }
}

impl<K, V> Clone for Registry<K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K, V> fmt::Debug for Registry<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("keys", &self.inner.keys)
            .field("partitions", &self.inner.partitions.len())
            .finish_non_exhaustive()
    }
}

impl<T: GenServer> ServerRef<T> {
    /// The server under `key` in `registry`, or [`CallError::NoProc`]: a
    /// call by via name.
    pub fn via<K, V>(registry: &Registry<K, V>, key: &K) -> Result<Self, CallError>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        registry.whereis(key).ok_or(CallError::NoProc)
    }
}

/// A via name given to [`StartOptions::via`](crate::StartOptions::via):
/// registers the new server before its `init` runs.
pub(crate) trait Via: Send + Sync {
    fn register(&self, server: &AnyRef) -> Result<(), RegistryError>;
    fn describe(&self) -> String;
}

pub(crate) struct ViaName<K, V> {
    pub(crate) registry: Registry<K, V>,
    pub(crate) key: K,
    pub(crate) value: V,
}

impl<K, V> Via for ViaName<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + fmt::Debug + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn register(&self, server: &AnyRef) -> Result<(), RegistryError> {
        self.registry
            .register_any(server, self.key.clone(), self.value.clone())
    }

    fn describe(&self) -> String {
        format!("{:?}", self.key)
    }
}

impl AnyRef {
    /// A type-erased handle to `server`.
    pub(crate) fn of(server: &impl ServerHandle) -> Self {
        let process: Arc<dyn Process> = server.process();
        Self::retained(process)
    }
}
