//! What supervision costs, against the same work without it, in the same
//! process and run: a restart by a supervisor against a fresh start, and
//! 100,000 children of a `DynamicSupervisor` against 100,000 plain starts
//! (time, and heap per idle server). `bash genserver/benches/ratios.sh`
//! prints the ratios.

#![allow(missing_docs)]
// Each workload is a module (divan groups benchmarks by module) that uses
// the shared servers and runtimes above.
#![allow(clippy::wildcard_imports)]

mod common;

use common::*;
use divan::Bencher;
use divan::counter::ItemsCount;
use genserver::prelude::*;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

fn main() {
    divan::main();
}

/// An idle server with a little state, like `Kv` of `baseline.rs`.
#[derive(Clone, Default)]
struct Idle {
    n: u64,
}

#[gen_server]
impl Idle {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

/// Tells a channel when it has started, and crashes on request.
struct Phoenix;

#[gen_server]
impl Phoenix {
    #[init]
    fn init(started: UnboundedSender<ServerRef<Phoenix>>, ctx: &mut Context<Self>) -> Self {
        let _ = started.send(ctx.handle());
        Phoenix
    }

    #[cast]
    fn crash(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::custom("crash"));
    }
}

/// Workload: a child crashes and its supervisor restarts it, until the new
/// one has run `init`; against starting a fresh server and waiting for its
/// `init`. Both report through the same channel.
mod restart {
    use super::*;

    const ROUNDS: usize = 1_000;

    async fn next(started: &mut UnboundedReceiver<ServerRef<Phoenix>>) -> ServerRef<Phoenix> {
        started.recv().await.expect("started")
    }

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        bencher.counter(ItemsCount::new(ROUNDS)).bench_local(|| {
            runtime.block_on(async {
                let (sender, mut started) = unbounded_channel();
                for _ in 0..ROUNDS {
                    let server = Phoenix::start(sender.clone()).await.unwrap();
                    let _ = next(&mut started).await;
                    drop(server);
                }
            });
        });
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        bencher.counter(ItemsCount::new(ROUNDS)).bench_local(|| {
            runtime.block_on(async {
                let (sender, mut started) = unbounded_channel();
                let options = SupervisorOptions::default().max_restarts(u32::MAX);
                let spec = Phoenix::child_spec(sender);
                let supervisor = Supervisor::start(options, vec![spec]).await.unwrap();
                let mut child = next(&mut started).await;
                for _ in 0..ROUNDS {
                    child.crash().unwrap();
                    child = next(&mut started).await;
                }
                supervisor.stop().await.unwrap();
            });
        });
    }
}

/// Workload: 100,000 idle servers started under a `DynamicSupervisor`,
/// against 100,000 plain starts; ten samples, as the first of each side
/// (a cold heap growing) is often an outlier. The allocation profile
/// gives the heap per supervised idle server against an unsupervised one.
mod children {
    use super::*;

    const SERVERS: usize = 100_000;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(SERVERS))
            .with_inputs(|| (current_thread(), Vec::with_capacity(SERVERS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..SERVERS {
                        servers.push(Idle::start(Idle::default()).await.unwrap());
                    }
                });
            });
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(SERVERS))
            .with_inputs(|| {
                let runtime = current_thread();
                let options = DynamicSupervisorOptions::new();
                let supervisor = runtime.block_on(DynamicSupervisor::start(options)).unwrap();
                (runtime, supervisor, Vec::with_capacity(SERVERS))
            })
            .bench_local_refs(|(runtime, supervisor, servers)| {
                runtime.block_on(async {
                    for _ in 0..SERVERS {
                        let spec = Idle::child_spec(Idle::default());
                        servers.push(supervisor.start_child(spec).await.unwrap());
                    }
                    // Until the supervisor has taken on every child.
                    let count = supervisor.count_children().await.unwrap();
                    assert!(count.active >= SERVERS);
                });
            });
    }
}
