//! genserver against a hand-written tokio actor (mpsc + oneshot), in the same
//! process and run: both serve a `HashMap<u64, u64>` with `put` as a cast and
//! `get` as a call. Every reply is checked, so no work is optimised away.
//!
//! Run with `cargo bench -p gen_server --bench baseline`; BENCHMARKS.md says
//! how to read the output as ratios.

#![allow(missing_docs)]
// Each workload is a module (divan groups benchmarks by module) that uses
// the shared servers and runtimes above.
#![allow(clippy::wildcard_imports)]

mod common;

use common::*;
use divan::Bencher;
use divan::counter::ItemsCount;
use genserver::prelude::*;
use tokio::runtime::{Builder, Runtime};

fn main() {
    divan::main();
}

/// The server, written with `#[gen_server]`.
#[path = "common/kv.rs"]
mod kv;
use kv::Kv;

/// The same server, hand-written on tokio: the cost floor.
#[path = "common/hand_written.rs"]
mod hand_written;

/// Workload 1: Call latency: one client, sequential gets, current-thread runtime.
mod call_latency {
    use super::*;

    const CALLS: u64 = 1_000;

    #[divan::bench]
    fn baseline(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        server.put(1, 7);
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            runtime.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(server.get(1).await, Some(7));
                }
            });
        });
    }

    #[divan::bench]
    fn genserver(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        server.put(1, 7).unwrap();
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            runtime.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(server.get(1).await.unwrap(), Some(7));
                }
            });
        });
    }
}

/// Workload 2: Cast throughput: 1M casts, then one call that must see the last one.
mod cast_throughput {
    use super::*;

    const CASTS: u64 = 1_000_000;

    #[divan::bench(sample_count = 10)]
    fn baseline(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for i in 0..CASTS {
                    server.put(i % 1024, i);
                }
                assert_eq!(server.get((CASTS - 1) % 1024).await, Some(CASTS - 1));
            });
        });
    }

    #[divan::bench(sample_count = 10)]
    fn genserver(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for i in 0..CASTS {
                    server.put(i % 1024, i).unwrap();
                }
                assert_eq!(
                    server.get((CASTS - 1) % 1024).await.unwrap(),
                    Some(CASTS - 1)
                );
            });
        });
    }
}

/// Workload 3: Concurrent calls: 100 client tasks against one server, 2 workers.
mod concurrent_calls {
    use super::*;

    const CLIENTS: u64 = 100;
    const CALLS_EACH: u64 = 100;

    #[divan::bench(sample_count = 30)]
    fn baseline(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        server.put(1, 7);
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                runtime.block_on(async {
                    let mut clients = tokio::task::JoinSet::new();
                    for _ in 0..CLIENTS {
                        let server = server.clone();
                        clients.spawn(async move {
                            for _ in 0..CALLS_EACH {
                                assert_eq!(server.get(1).await, Some(7));
                            }
                        });
                    }
                    while let Some(done) = clients.join_next().await {
                        done.unwrap();
                    }
                });
            });
    }

    #[divan::bench(sample_count = 30)]
    fn genserver(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        server.put(1, 7).unwrap();
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                runtime.block_on(async {
                    let mut clients = tokio::task::JoinSet::new();
                    for _ in 0..CLIENTS {
                        let server = server.clone();
                        clients.spawn(async move {
                            for _ in 0..CALLS_EACH {
                                assert_eq!(server.get(1).await.unwrap(), Some(7));
                            }
                        });
                    }
                    while let Some(done) = clients.join_next().await {
                        done.unwrap();
                    }
                });
            });
    }
}

/// Workload 4: Spawning 100k idle servers (genserver's start waits for init, as OTP
/// does; the baseline's spawn does not), then stopping them all. Each sample
/// gets a fresh runtime, built and dropped outside the timing. The allocation
/// profile of `spawn_*` gives the heap bytes per idle server: allocated minus
/// freed, divided by the count.
mod idle_servers {
    use super::*;

    const SERVERS: usize = 100_000;

    #[divan::bench(sample_count = 5)]
    fn spawn_baseline(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(SERVERS))
            .with_inputs(|| (current_thread(), Vec::with_capacity(SERVERS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..SERVERS {
                        servers.push(hand_written::Kv::spawn());
                    }
                });
            });
    }

    #[divan::bench(sample_count = 5)]
    fn spawn_genserver(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(SERVERS))
            .with_inputs(|| (current_thread(), Vec::with_capacity(SERVERS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..SERVERS {
                        servers.push(Kv::start(Kv::default()).await.unwrap());
                    }
                });
            });
    }

    #[divan::bench(sample_count = 5)]
    fn stop_all_baseline(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(SERVERS))
            .with_inputs(|| {
                let runtime = current_thread();
                let servers: Vec<_> = runtime
                    .block_on(async { (0..SERVERS).map(|_| hand_written::Kv::spawn()).collect() });
                (runtime, servers)
            })
            .bench_local_values(|(runtime, servers)| {
                runtime.block_on(async {
                    // A hand-written actor stops when its sender is dropped;
                    // waiting for its task is the synchronous stop.
                    for (server, task) in servers {
                        drop(server);
                        task.await.unwrap();
                    }
                });
                runtime
            });
    }

    #[divan::bench(sample_count = 5)]
    fn stop_all_genserver(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(SERVERS))
            .with_inputs(|| {
                let runtime = current_thread();
                let servers: Vec<_> = runtime.block_on(async {
                    let mut servers = Vec::with_capacity(SERVERS);
                    for _ in 0..SERVERS {
                        servers.push(Kv::start(Kv::default()).await.unwrap());
                    }
                    servers
                });
                (runtime, servers)
            })
            .bench_local_values(|(runtime, servers)| {
                runtime.block_on(async {
                    for server in &servers {
                        server.stop().await.unwrap();
                    }
                });
                (runtime, servers)
            });
    }
}

/// Workload 5: Fan-out: 10k servers, one cast and one call each, all in flight at once.
mod fan_out {
    use super::*;

    const SERVERS: u64 = 10_000;

    #[divan::bench(sample_count = 20)]
    fn baseline(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let servers: Vec<_> =
            runtime.block_on(async { (0..SERVERS).map(|_| hand_written::Kv::spawn().0).collect() });
        bencher.counter(ItemsCount::new(SERVERS)).bench_local(|| {
            runtime.block_on(async {
                let mut calls = tokio::task::JoinSet::new();
                for (i, server) in servers.iter().enumerate() {
                    let server = server.clone();
                    let i = i as u64;
                    calls.spawn(async move {
                        server.put(i, i + 1);
                        assert_eq!(server.get(i).await, Some(i + 1));
                    });
                }
                while let Some(done) = calls.join_next().await {
                    done.unwrap();
                }
            });
        });
    }

    #[divan::bench(sample_count = 20)]
    fn genserver(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let servers: Vec<_> = runtime.block_on(async {
            let mut servers = Vec::new();
            for _ in 0..SERVERS {
                servers.push(Kv::start(Kv::default()).await.unwrap());
            }
            servers
        });
        bencher.counter(ItemsCount::new(SERVERS)).bench_local(|| {
            runtime.block_on(async {
                let mut calls = tokio::task::JoinSet::new();
                for (i, server) in servers.iter().enumerate() {
                    let server = server.clone();
                    let i = i as u64;
                    calls.spawn(async move {
                        server.put(i, i + 1).unwrap();
                        assert_eq!(server.get(i).await.unwrap(), Some(i + 1));
                    });
                }
                while let Some(done) = calls.join_next().await {
                    done.unwrap();
                }
            });
        });
    }
}

/// Fan-out from one task: 10,000 servers, a cast then a call to each, all
/// the calls awaited together with `join_all` by one driver task (not a
/// task per call, as in `fan_out`), under tokio's cooperative budget and,
/// in the `unconstrained` pair, outside it. With many calls in flight from
/// one task, each call's own waiting (its deferred timer) is what is paid.
mod fan_out_one_task {
    use std::future::Future;
    use std::sync::Arc;

    use futures_util::future::join_all;

    use super::*;

    const SERVERS: u64 = 10_000;

    /// Runs `driver` as a task of its own, under the budget or outside it.
    fn drive(
        runtime: &Runtime,
        unconstrained: bool,
        driver: impl Future<Output = ()> + Send + 'static,
    ) {
        runtime.block_on(async move {
            if unconstrained {
                tokio::spawn(tokio::task::unconstrained(driver))
                    .await
                    .unwrap();
            } else {
                tokio::spawn(driver).await.unwrap();
            }
        });
    }

    fn hand_written_servers(runtime: &Runtime) -> Arc<Vec<hand_written::Kv>> {
        Arc::new(
            runtime.block_on(async { (0..SERVERS).map(|_| hand_written::Kv::spawn().0).collect() }),
        )
    }

    fn genserver_servers(runtime: &Runtime) -> Arc<Vec<ServerRef<Kv>>> {
        Arc::new(runtime.block_on(async {
            let mut servers = Vec::new();
            for _ in 0..SERVERS {
                servers.push(Kv::start(Kv::default()).await.unwrap());
            }
            servers
        }))
    }

    async fn hand_written_round(servers: Arc<Vec<hand_written::Kv>>) {
        let calls = servers.iter().zip(0..).map(|(server, i)| {
            server.put(i, i + 1);
            server.get(i)
        });
        for (reply, i) in join_all(calls).await.into_iter().zip(0..) {
            assert_eq!(reply, Some(i + 1));
        }
    }

    async fn genserver_round(servers: Arc<Vec<ServerRef<Kv>>>) {
        let calls = servers.iter().zip(0..).map(|(server, i)| {
            server.put(i, i + 1).unwrap();
            server.get(i)
        });
        for (reply, i) in join_all(calls).await.into_iter().zip(0..) {
            assert_eq!(reply.unwrap(), Some(i + 1));
        }
    }

    #[divan::bench(sample_count = 20)]
    fn baseline(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let servers = hand_written_servers(&runtime);
        bencher
            .counter(ItemsCount::new(SERVERS))
            .bench_local(|| drive(&runtime, false, hand_written_round(Arc::clone(&servers))));
    }

    #[divan::bench(sample_count = 20)]
    fn genserver(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let servers = genserver_servers(&runtime);
        bencher
            .counter(ItemsCount::new(SERVERS))
            .bench_local(|| drive(&runtime, false, genserver_round(Arc::clone(&servers))));
    }

    #[divan::bench(sample_count = 20)]
    fn unconstrained_baseline(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let servers = hand_written_servers(&runtime);
        bencher
            .counter(ItemsCount::new(SERVERS))
            .bench_local(|| drive(&runtime, true, hand_written_round(Arc::clone(&servers))));
    }

    #[divan::bench(sample_count = 20)]
    fn unconstrained_genserver(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let servers = genserver_servers(&runtime);
        bencher
            .counter(ItemsCount::new(SERVERS))
            .bench_local(|| drive(&runtime, true, genserver_round(Arc::clone(&servers))));
    }
}

/// A server that counts the ticks of a timer.
#[derive(Default)]
struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[info]
    fn tick(&mut self) {
        self.ticks += 1;
    }

    #[call]
    fn ticks(&self) -> u64 {
        self.ticks
    }
}

/// The same ticker, hand-written: an actor, and a `tokio::time::interval`
/// task per actor that sends it the ticks.
mod hand_written_ticker {
    use std::time::Duration;

    use tokio::sync::{mpsc, oneshot};
    use tokio::task::JoinHandle;

    enum Msg {
        Tick,
        Ticks(oneshot::Sender<u64>),
    }

    pub(crate) struct Ticker {
        tx: mpsc::UnboundedSender<Msg>,
    }

    impl Ticker {
        pub(crate) fn spawn() -> Self {
            let (tx, mut rx) = mpsc::unbounded_channel();
            tokio::spawn(async move {
                let mut ticks = 0;
                while let Some(msg) = rx.recv().await {
                    match msg {
                        Msg::Tick => ticks += 1,
                        Msg::Ticks(reply) => {
                            let _ = reply.send(ticks);
                        }
                    }
                }
            });
            Self { tx }
        }

        /// Starts the interval task (first tick after one period, as
        /// `send_interval`'s), and returns once it has armed its timer.
        pub(crate) async fn every(&self, period: Duration) -> JoinHandle<()> {
            let tx = self.tx.clone();
            let (armed, is_armed) = oneshot::channel();
            let task = tokio::spawn(async move {
                let start = tokio::time::Instant::now() + period;
                let mut interval = tokio::time::interval_at(start, period);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                let _ = armed.send(());
                loop {
                    interval.tick().await;
                    if tx.send(Msg::Tick).is_err() {
                        return;
                    }
                }
            });
            is_armed.await.expect("the interval task runs");
            task
        }

        pub(crate) async fn ticks(&self) -> u64 {
            let (reply, answer) = oneshot::channel();
            assert!(self.tx.send(Msg::Ticks(reply)).is_ok(), "running");
            answer.await.expect("replied")
        }
    }
}

/// Workload 6: Timers. `arm`: an interval timer on each of 100k idle servers
/// (genserver: `send_interval`, kept in the server's mailbox and driven by its
/// own task; hand-written: a `tokio::time::interval` task per actor); its
/// allocation profile gives the heap bytes per armed timer. `fire`: 10k
/// servers ticking every millisecond for 10 ms, on a runtime with paused
/// time, so that the figure is the CPU cost of the 100k ticks, not the wait.
mod timers {
    use std::time::Duration;

    use super::*;

    const ARMED: usize = 100_000;
    const TICKING: usize = 10_000;
    const TICKS: u64 = 10;
    const TICKS_USIZE: usize = 10;

    fn paused() -> Runtime {
        Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[divan::bench(sample_count = 5)]
    fn arm_baseline(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(ARMED))
            .with_inputs(|| {
                let runtime = current_thread();
                let servers: Vec<_> = runtime.block_on(async {
                    (0..ARMED)
                        .map(|_| hand_written_ticker::Ticker::spawn())
                        .collect()
                });
                (runtime, servers, Vec::with_capacity(ARMED))
            })
            .bench_local_refs(|(runtime, servers, timers)| {
                runtime.block_on(async {
                    for server in servers.iter() {
                        timers.push(server.every(Duration::from_hours(1)).await);
                    }
                });
            });
    }

    #[divan::bench(sample_count = 5)]
    fn arm_genserver(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(ARMED))
            .with_inputs(|| {
                let runtime = current_thread();
                let servers: Vec<_> = runtime.block_on(async {
                    let mut servers = Vec::with_capacity(ARMED);
                    for _ in 0..ARMED {
                        servers.push(Ticker::start(Ticker::default()).await.unwrap());
                    }
                    servers
                });
                (runtime, servers, Vec::with_capacity(ARMED))
            })
            .bench_local_refs(|(runtime, servers, timers)| {
                runtime.block_on(async {
                    for server in servers.iter() {
                        let period = Duration::from_hours(1);
                        timers.push(genserver::send_interval(server, period, || {
                            TickerInfo::Tick
                        }));
                    }
                    // Every server runs once meanwhile, arming its wake-up.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                });
            });
    }

    #[divan::bench(sample_count = 10)]
    fn fire_baseline(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(TICKING * TICKS_USIZE))
            .with_inputs(|| {
                let runtime = paused();
                let servers: Vec<_> = runtime.block_on(async {
                    let mut servers = Vec::with_capacity(TICKING);
                    for _ in 0..TICKING {
                        let server = hand_written_ticker::Ticker::spawn();
                        let timer = server.every(Duration::from_millis(1)).await;
                        servers.push((server, timer));
                    }
                    servers
                });
                (runtime, servers)
            })
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    tokio::time::sleep(Duration::from_micros(TICKS * 1000 + 500)).await;
                    for (_, timer) in servers.iter() {
                        timer.abort();
                    }
                    for (server, _) in servers.iter() {
                        assert!(server.ticks().await >= TICKS);
                    }
                });
            });
    }

    #[divan::bench(sample_count = 10)]
    fn fire_genserver(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(TICKING * TICKS_USIZE))
            .with_inputs(|| {
                let runtime = paused();
                let servers: Vec<_> = runtime.block_on(async {
                    let mut servers = Vec::with_capacity(TICKING);
                    for _ in 0..TICKING {
                        let server = Ticker::start(Ticker::default()).await.unwrap();
                        let period = Duration::from_millis(1);
                        let timer = genserver::send_interval(&server, period, || TickerInfo::Tick);
                        servers.push((server, timer));
                    }
                    servers
                });
                (runtime, servers)
            })
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    tokio::time::sleep(Duration::from_micros(TICKS * 1000 + 500)).await;
                    for (_, timer) in servers.iter() {
                        timer.cancel();
                    }
                    for (server, _) in servers.iter() {
                        assert!(server.ticks().await.unwrap() >= TICKS);
                    }
                });
            });
    }
}
