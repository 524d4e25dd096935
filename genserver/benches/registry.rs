//! A `Registry` against the maps a user would otherwise reach for, in the
//! same process and run: a `Mutex<HashMap>` (the baseline) and a
//! `DashMap`. Two tasks on two worker threads each register, look up
//! (ten times) and unregister 50,000 keys, for 10,000 idle servers under
//! ten keys each. The maps hold typed handles; the registry also monitors
//! each server, so that its entries go when it stops.
//! `bash genserver/benches/ratios.sh` prints the ratios; the heap per
//! entry is measured in `tests/memory.rs` (the work here runs on the
//! runtime's threads, which divan's allocation profile does not count).

#![allow(missing_docs)]
// Each workload is a module (divan groups benchmarks by module) that uses
// the shared servers and runtimes above.
#![allow(clippy::wildcard_imports)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dashmap::DashMap;
mod common;

use common::*;
use divan::Bencher;
use divan::counter::ItemsCount;
use genserver::prelude::*;
use genserver::{Keys, Registry};
use tokio::runtime::Runtime;

fn main() {
    divan::main();
}

const SERVERS: usize = 10_000;
const KEYS_PER_SERVER: u64 = 10;
const ENTRIES: usize = 100_000;
const LOOKUPS: usize = 10;

#[derive(Default)]
struct Idle;

#[gen_server]
impl Idle {
    #[cast]
    fn poke(&mut self) {}
}

/// The runtime and its servers, each with its keys.
struct World {
    runtime: Runtime,
    servers: Arc<Vec<(ServerRef<Idle>, Vec<u64>)>>,
}

fn world() -> World {
    let runtime = multi_thread();
    let servers = runtime.block_on(async {
        let mut servers = Vec::with_capacity(SERVERS);
        for index in 0..SERVERS as u64 {
            let keys = (0..KEYS_PER_SERVER)
                .map(|k| index * KEYS_PER_SERVER + k)
                .collect();
            servers.push((Idle::start(Idle).await.unwrap(), keys));
        }
        servers
    });
    World {
        runtime,
        servers: Arc::new(servers),
    }
}

/// What each implementation does.
trait Names: Clone + Send + Sync + 'static {
    fn new() -> Self;
    fn register(&self, server: &ServerRef<Idle>, key: u64);
    fn lookup(&self, key: u64) -> Option<ServerRef<Idle>>;
    fn unregister(&self, server: &ServerRef<Idle>, key: u64);
}

#[derive(Clone)]
struct Locked(Arc<Mutex<HashMap<u64, ServerRef<Idle>>>>);

impl Names for Locked {
    fn new() -> Self {
        Self(Arc::default())
    }
    fn register(&self, server: &ServerRef<Idle>, key: u64) {
        self.0
            .lock()
            .unwrap()
            .entry(key)
            .or_insert_with(|| server.clone());
    }
    fn lookup(&self, key: u64) -> Option<ServerRef<Idle>> {
        self.0.lock().unwrap().get(&key).cloned()
    }
    fn unregister(&self, _server: &ServerRef<Idle>, key: u64) {
        self.0.lock().unwrap().remove(&key);
    }
}

#[derive(Clone)]
struct Sharded(Arc<DashMap<u64, ServerRef<Idle>>>);

impl Names for Sharded {
    fn new() -> Self {
        Self(Arc::default())
    }
    fn register(&self, server: &ServerRef<Idle>, key: u64) {
        self.0.entry(key).or_insert_with(|| server.clone());
    }
    fn lookup(&self, key: u64) -> Option<ServerRef<Idle>> {
        self.0.get(&key).map(|entry| entry.clone())
    }
    fn unregister(&self, _server: &ServerRef<Idle>, key: u64) {
        self.0.remove(&key);
    }
}

impl Names for Registry<u64> {
    fn new() -> Self {
        Registry::new(Keys::Unique)
    }
    fn register(&self, server: &ServerRef<Idle>, key: u64) {
        Registry::register(self, server, key, ()).unwrap();
    }
    fn lookup(&self, key: u64) -> Option<ServerRef<Idle>> {
        self.whereis::<Idle>(&key)
    }
    fn unregister(&self, server: &ServerRef<Idle>, key: u64) {
        Registry::unregister(self, server, &key);
    }
}

/// Runs `op` on every (server, key) pair, split between two tasks.
fn on_two_tasks<N: Names>(world: &World, names: &N, op: fn(&N, &ServerRef<Idle>, u64)) {
    world.runtime.block_on(async {
        let halves = [0, 1].map(|half| {
            let (servers, names) = (Arc::clone(&world.servers), names.clone());
            tokio::spawn(async move {
                for (server, keys) in servers.iter().skip(half).step_by(2) {
                    for key in keys {
                        op(&names, server, *key);
                    }
                }
            })
        });
        for half in halves {
            half.await.unwrap();
        }
    });
}

fn registered<N: Names>() -> (World, N) {
    let world = world();
    let names = N::new();
    on_two_tasks(&world, &names, |names, server, key| {
        names.register(server, key);
    });
    (world, names)
}

fn register<N: Names>(bencher: Bencher<'_, '_>) {
    bencher
        .counter(ItemsCount::new(ENTRIES))
        .with_inputs(|| (world(), N::new()))
        .bench_local_refs(|(world, names)| {
            on_two_tasks(world, names, |names, server, key| {
                names.register(server, key);
            });
        });
}

fn lookup<N: Names>(bencher: Bencher<'_, '_>) {
    bencher
        .counter(ItemsCount::new(ENTRIES * LOOKUPS))
        .with_inputs(registered::<N>)
        .bench_local_refs(|(world, names)| {
            on_two_tasks(world, names, |names, _, key| {
                for _ in 0..LOOKUPS {
                    assert!(names.lookup(key).is_some());
                }
            });
        });
}

fn unregister<N: Names>(bencher: Bencher<'_, '_>) {
    bencher
        .counter(ItemsCount::new(ENTRIES))
        .with_inputs(registered::<N>)
        .bench_local_refs(|(world, names)| {
            on_two_tasks(world, names, |names, server, key| {
                names.unregister(server, key);
            });
        });
}

/// Register 100,000 entries: the registry against a `Mutex<HashMap>`.
mod register {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        register::<Locked>(bencher);
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        register::<Registry<u64>>(bencher);
    }
}

/// The same against a `DashMap`.
mod register_vs_dashmap {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        register::<Sharded>(bencher);
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        register::<Registry<u64>>(bencher);
    }
}

/// A million lookups, typed handles out.
mod lookup {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        lookup::<Locked>(bencher);
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        lookup::<Registry<u64>>(bencher);
    }
}

mod lookup_vs_dashmap {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        lookup::<Sharded>(bencher);
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        lookup::<Registry<u64>>(bencher);
    }
}

/// Unregister the 100,000 entries.
mod unregister {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        unregister::<Locked>(bencher);
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        unregister::<Registry<u64>>(bencher);
    }
}

mod unregister_vs_dashmap {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        unregister::<Sharded>(bencher);
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        unregister::<Registry<u64>>(bencher);
    }
}
