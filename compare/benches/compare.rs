//! genserver against kameo, ractor and actix, with a hand-written tokio actor
//! (unbounded mpsc + oneshot) as the floor, in the same process and run.
//!
//! All five serve a `HashMap<u64, u64>`: `put` is fire-and-forget, `get` a
//! request that waits for its reply. Every reply is asserted, so no work is
//! optimised away. Each workload is a module (divan groups benchmarks by
//! module) with one bench per implementation doing the same work.
//!
//! Run with `cargo bench --manifest-path compare/Cargo.toml`, or
//! `bash compare/ratios.sh` for the ratio table of BENCHMARKS.md.
//!
//! What is set the same way for everyone, and what cannot be:
//!
//! - Mailboxes are unbounded everywhere, as the hand-written actor's and
//!   genserver's are: kameo's default is bounded (64) and actix's too (16),
//!   so kameo actors are spawned with `mailbox::unbounded()` and actix
//!   contexts get `set_mailbox_capacity(0)` (0 is unbounded in actix).
//!   ractor's mailbox is unbounded already.
//! - genserver is measured as a user gets it: its default `tracing` feature
//!   on (no subscriber) and its 5 s default call timeout. kameo, ractor and
//!   actix wait without a timeout by default, and are built without their
//!   tracing features (see Cargo.toml).
//! - Runtimes: tokio, current-thread for the single-client workloads and two
//!   workers for concurrent calls. actix runs its actors on `actix_rt`'s
//!   runtime (tokio current-thread with a `LocalSet`, as actix's futures are
//!   not `Send`): an `actix_rt::System` stands in for the current-thread
//!   runtime, and for concurrent calls the actor runs on an actix `Arbiter`
//!   (its own thread, as actix places actors) while the 100 clients run on
//!   the same two-worker tokio runtime as everyone else's. That is one
//!   thread more than the others have (they have the two workers); on this
//!   2-core machine it is not an advantage we could remove without running
//!   actix outside its model.
//! - Every runtime is built outside the timing.

#![allow(missing_docs)]

use divan::Bencher;
use divan::counter::ItemsCount;
use tokio::runtime::{Builder, Runtime};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// A current-thread runtime with time (genserver's call timeout needs it).
fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// A runtime of two worker threads with time.
fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The hand-written tokio actor: the cost floor (the shape of
/// `genserver/benches/baseline.rs`'s).
mod hand_written {
    use std::collections::HashMap;

    use tokio::sync::{mpsc, oneshot};
    use tokio::task::JoinHandle;

    enum Msg {
        Get(u64, oneshot::Sender<Option<u64>>),
        Put(u64, u64),
    }

    #[derive(Clone)]
    pub(crate) struct Kv {
        tx: mpsc::UnboundedSender<Msg>,
    }

    impl Kv {
        pub(crate) fn spawn() -> (Self, JoinHandle<()>) {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(async move {
                let mut map = HashMap::new();
                while let Some(msg) = rx.recv().await {
                    match msg {
                        Msg::Get(key, reply) => {
                            let _ = reply.send(map.get(&key).copied());
                        }
                        Msg::Put(key, value) => {
                            map.insert(key, value);
                        }
                    }
                }
            });
            (Self { tx }, task)
        }

        pub(crate) async fn get(&self, key: u64) -> Option<u64> {
            let (reply, answer) = oneshot::channel();
            assert!(self.tx.send(Msg::Get(key, reply)).is_ok(), "running");
            answer.await.expect("replied")
        }

        pub(crate) fn put(&self, key: u64, value: u64) {
            assert!(self.tx.send(Msg::Put(key, value)).is_ok(), "running");
        }
    }
}

/// The server with `#[gen_server]`.
mod with_genserver {
    use std::collections::HashMap;

    use genserver::prelude::*;

    #[derive(Default)]
    pub(crate) struct Kv {
        map: HashMap<u64, u64>,
    }

    #[gen_server]
    impl Kv {
        #[call]
        pub(crate) fn get(&mut self, key: u64) -> Option<u64> {
            self.map.get(&key).copied()
        }

        #[cast]
        pub(crate) fn put(&mut self, key: u64, value: u64) {
            self.map.insert(key, value);
        }
    }
}

/// The server as a kameo actor: one `Message` impl per message type.
mod with_kameo {
    use std::collections::HashMap;

    use kameo::Actor;
    use kameo::actor::{ActorRef, Spawn};
    use kameo::mailbox;
    use kameo::message::{Context, Message};

    #[derive(Actor, Default)]
    pub(crate) struct Kv {
        map: HashMap<u64, u64>,
    }

    pub(crate) struct Get(pub(crate) u64);
    pub(crate) struct Put(pub(crate) u64, pub(crate) u64);

    impl Message<Get> for Kv {
        type Reply = Option<u64>;

        async fn handle(
            &mut self,
            Get(key): Get,
            _: &mut Context<Self, Self::Reply>,
        ) -> Self::Reply {
            self.map.get(&key).copied()
        }
    }

    impl Message<Put> for Kv {
        type Reply = ();

        async fn handle(&mut self, Put(key, value): Put, _: &mut Context<Self, Self::Reply>) {
            self.map.insert(key, value);
        }
    }

    /// Spawns with an unbounded mailbox (kameo's default is bounded at 64).
    /// The actor's `on_start` runs in its task; `wait_for_startup` waits
    /// for it.
    pub(crate) fn spawn() -> ActorRef<Kv> {
        Kv::spawn_with_mailbox(Kv::default(), mailbox::unbounded())
    }

    pub(crate) async fn get(server: &ActorRef<Kv>, key: u64) -> Option<u64> {
        server.ask(Get(key)).await.expect("running")
    }

    /// `tell(..).try_send()` enqueues without awaiting: on an unbounded
    /// mailbox it never waits, as the others' casts do not.
    pub(crate) fn put(server: &ActorRef<Kv>, key: u64, value: u64) {
        server.tell(Put(key, value)).try_send().expect("running");
    }
}

/// The server as a ractor actor: a message enum with a reply port in the
/// request variant, and the map as the actor's state.
mod with_ractor {
    use std::collections::HashMap;

    use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, call, cast};

    pub(crate) enum Msg {
        Get(u64, RpcReplyPort<Option<u64>>),
        Put(u64, u64),
    }

    pub(crate) struct Kv;

    impl Actor for Kv {
        type Msg = Msg;
        type State = HashMap<u64, u64>;
        type Arguments = ();

        async fn pre_start(
            &self,
            _: ActorRef<Msg>,
            (): (),
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(HashMap::new())
        }

        async fn handle(
            &self,
            _: ActorRef<Msg>,
            message: Msg,
            map: &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            match message {
                Msg::Get(key, reply) => {
                    reply.send(map.get(&key).copied())?;
                }
                Msg::Put(key, value) => {
                    map.insert(key, value);
                }
            }
            Ok(())
        }
    }

    /// `Actor::spawn` returns once `pre_start` has run.
    pub(crate) async fn spawn() -> (ActorRef<Msg>, tokio::task::JoinHandle<()>) {
        Actor::spawn(None, Kv, ()).await.expect("started")
    }

    pub(crate) async fn get(server: &ActorRef<Msg>, key: u64) -> Option<u64> {
        call!(server, Msg::Get, key).expect("running")
    }

    pub(crate) fn put(server: &ActorRef<Msg>, key: u64, value: u64) {
        cast!(server, Msg::Put(key, value)).expect("running");
    }
}

/// The server as an actix actor: one `Handler` impl per message type.
mod with_actix {
    use std::collections::HashMap;

    use actix::{Actor, Addr, Context, Handler, Message};

    #[derive(Default)]
    pub(crate) struct Kv {
        map: HashMap<u64, u64>,
    }

    impl Actor for Kv {
        type Context = Context<Self>;
    }

    pub(crate) struct Get(pub(crate) u64);
    pub(crate) struct Put(pub(crate) u64, pub(crate) u64);
    pub(crate) struct Stop;

    impl Message for Get {
        type Result = Option<u64>;
    }

    impl Message for Put {
        type Result = ();
    }

    impl Message for Stop {
        type Result = ();
    }

    impl Handler<Get> for Kv {
        type Result = Option<u64>;

        fn handle(&mut self, Get(key): Get, _: &mut Context<Self>) -> Option<u64> {
            self.map.get(&key).copied()
        }
    }

    impl Handler<Put> for Kv {
        type Result = ();

        fn handle(&mut self, Put(key, value): Put, _: &mut Context<Self>) {
            self.map.insert(key, value);
        }
    }

    impl Handler<Stop> for Kv {
        type Result = ();

        fn handle(&mut self, Stop: Stop, ctx: &mut Context<Self>) {
            actix::ActorContext::stop(ctx);
        }
    }

    /// What `Actor::start` does (a context, its future spawned on the
    /// current `actix_rt` runtime), with the mailbox unbounded (actix's
    /// default is 16) and the task's handle kept, so that a stop can wait
    /// for the actor to be gone: actix has no stop-and-wait of its own.
    /// Like `Actor::start`, this does not wait for `started` to run.
    pub(crate) fn spawn() -> (Addr<Kv>, tokio::task::JoinHandle<()>) {
        let mut ctx = Context::new();
        ctx.set_mailbox_capacity(0);
        let actor = ctx.into_future(Kv::default());
        let addr = actor.address();
        (addr, actix_rt::spawn(actor))
    }

    /// The same on an arbiter (a thread of its own), for concurrent calls.
    pub(crate) fn start_in(arbiter: &actix::ArbiterHandle) -> Addr<Kv> {
        Kv::start_in_arbiter(arbiter, |ctx| {
            ctx.set_mailbox_capacity(0);
            Kv::default()
        })
    }

    pub(crate) async fn get(server: &Addr<Kv>, key: u64) -> Option<u64> {
        server.send(Get(key)).await.expect("running")
    }

    /// `do_send` enqueues whatever the mailbox's capacity, without waiting.
    pub(crate) fn put(server: &Addr<Kv>, key: u64, value: u64) {
        server.do_send(Put(key, value));
    }
}

/// One client, 1,000 sequential `get`s, current-thread runtime.
mod call_latency {
    use super::*;

    const CALLS: u64 = 1_000;

    #[divan::bench]
    fn hand_written(bencher: Bencher<'_, '_>) {
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
        use with_genserver::Kv;
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

    #[divan::bench]
    fn kameo(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let server = runtime.block_on(async {
            let server = with_kameo::spawn();
            server.wait_for_startup().await;
            server
        });
        with_kameo::put(&server, 1, 7);
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            runtime.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(with_kameo::get(&server, 1).await, Some(7));
                }
            });
        });
    }

    #[divan::bench]
    fn ractor(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(with_ractor::spawn());
        with_ractor::put(&server, 1, 7);
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            runtime.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(with_ractor::get(&server, 1).await, Some(7));
                }
            });
        });
    }

    #[divan::bench]
    fn actix(bencher: Bencher<'_, '_>) {
        let system = actix_rt::System::new();
        let (server, _task) = system.block_on(async { with_actix::spawn() });
        with_actix::put(&server, 1, 7);
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            system.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(with_actix::get(&server, 1).await, Some(7));
                }
            });
        });
    }
}

/// 100,000 `put`s, then one `get` that must see the last one;
/// current-thread runtime.
mod cast_throughput {
    use super::*;

    const CASTS: u64 = 100_000;
    const LAST_KEY: u64 = (CASTS - 1) % 1024;

    #[divan::bench(sample_count = 50)]
    fn hand_written(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for i in 0..CASTS {
                    server.put(i % 1024, i);
                }
                assert_eq!(server.get(LAST_KEY).await, Some(CASTS - 1));
            });
        });
    }

    #[divan::bench(sample_count = 50)]
    fn genserver(bencher: Bencher<'_, '_>) {
        use with_genserver::Kv;
        let runtime = current_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for i in 0..CASTS {
                    server.put(i % 1024, i).unwrap();
                }
                assert_eq!(server.get(LAST_KEY).await.unwrap(), Some(CASTS - 1));
            });
        });
    }

    #[divan::bench(sample_count = 50)]
    fn kameo(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let server = runtime.block_on(async {
            let server = with_kameo::spawn();
            server.wait_for_startup().await;
            server
        });
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for i in 0..CASTS {
                    with_kameo::put(&server, i % 1024, i);
                }
                assert_eq!(with_kameo::get(&server, LAST_KEY).await, Some(CASTS - 1));
            });
        });
    }

    #[divan::bench(sample_count = 50)]
    fn ractor(bencher: Bencher<'_, '_>) {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(with_ractor::spawn());
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for i in 0..CASTS {
                    with_ractor::put(&server, i % 1024, i);
                }
                assert_eq!(with_ractor::get(&server, LAST_KEY).await, Some(CASTS - 1));
            });
        });
    }

    #[divan::bench(sample_count = 50)]
    fn actix(bencher: Bencher<'_, '_>) {
        let system = actix_rt::System::new();
        let (server, _task) = system.block_on(async { with_actix::spawn() });
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            system.block_on(async {
                for i in 0..CASTS {
                    with_actix::put(&server, i % 1024, i);
                }
                assert_eq!(with_actix::get(&server, LAST_KEY).await, Some(CASTS - 1));
            });
        });
    }
}

/// 100 client tasks × 100 `get`s against one server, on a runtime of two
/// workers.
mod concurrent_calls {
    use std::future::Future;

    use super::*;

    const CLIENTS: u64 = 100;
    const CALLS_EACH: u64 = 100;

    /// Runs `CLIENTS` tasks on `runtime`, each making `CALLS_EACH` calls
    /// through `client`, and waits for all of them.
    fn clients<S, F>(runtime: &Runtime, server: &S, client: fn(S) -> F)
    where
        S: Clone + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        runtime.block_on(async {
            let mut clients = tokio::task::JoinSet::new();
            for _ in 0..CLIENTS {
                clients.spawn(client(server.clone()));
            }
            while let Some(done) = clients.join_next().await {
                done.unwrap();
            }
        });
    }

    #[divan::bench(sample_count = 100)]
    fn hand_written(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        server.put(1, 7);
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                clients(&runtime, &server, |server| async move {
                    for _ in 0..CALLS_EACH {
                        assert_eq!(server.get(1).await, Some(7));
                    }
                });
            });
    }

    #[divan::bench(sample_count = 100)]
    fn genserver(bencher: Bencher<'_, '_>) {
        use with_genserver::Kv;
        let runtime = multi_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        server.put(1, 7).unwrap();
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                clients(&runtime, &server, |server| async move {
                    for _ in 0..CALLS_EACH {
                        assert_eq!(server.get(1).await.unwrap(), Some(7));
                    }
                });
            });
    }

    #[divan::bench(sample_count = 100)]
    fn kameo(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let server = runtime.block_on(async {
            let server = with_kameo::spawn();
            server.wait_for_startup().await;
            server
        });
        with_kameo::put(&server, 1, 7);
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                clients(&runtime, &server, |server| async move {
                    for _ in 0..CALLS_EACH {
                        assert_eq!(with_kameo::get(&server, 1).await, Some(7));
                    }
                });
            });
    }

    #[divan::bench(sample_count = 100)]
    fn ractor(bencher: Bencher<'_, '_>) {
        let runtime = multi_thread();
        let (server, _task) = runtime.block_on(with_ractor::spawn());
        with_ractor::put(&server, 1, 7);
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                clients(&runtime, &server, |server| async move {
                    for _ in 0..CALLS_EACH {
                        assert_eq!(with_ractor::get(&server, 1).await, Some(7));
                    }
                });
            });
    }

    /// The actor on an actix arbiter (its own thread: actix actors live on
    /// an arbiter, not on a tokio multi-thread runtime), the clients on the
    /// same two-worker runtime as the others'.
    #[divan::bench(sample_count = 100)]
    fn actix(bencher: Bencher<'_, '_>) {
        // `Arbiter::new` registers with the current `System`.
        let _system = actix_rt::System::new();
        let arbiter = actix_rt::Arbiter::new();
        let server = with_actix::start_in(&arbiter.handle());
        let runtime = multi_thread();
        with_actix::put(&server, 1, 7);
        bencher
            .counter(ItemsCount::new(CLIENTS * CALLS_EACH))
            .bench_local(|| {
                clients(&runtime, &server, |server| async move {
                    for _ in 0..CALLS_EACH {
                        assert_eq!(with_actix::get(&server, 1).await, Some(7));
                    }
                });
            });
        drop(server);
        arbiter.stop();
        arbiter.join().unwrap();
    }
}

/// Start 10,000 actors, each waited for until it runs where the library
/// offers that, then stop them one after the other, each waited for until
/// it is gone. Each sample gets a fresh runtime, built and dropped outside
/// the timing; current-thread.
mod spawn_and_stop {
    use super::*;

    const ACTORS: usize = 10_000;

    /// The spawn does not wait (the task runs when the runtime gets to it);
    /// the stop drops the only sender and awaits the task, which ends once
    /// its receive loop sees the channel closed.
    #[divan::bench(sample_count = 30, sample_size = 1)]
    fn hand_written(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(ACTORS))
            .with_inputs(current_thread)
            .bench_local_values(|runtime| {
                runtime.block_on(async {
                    let servers: Vec<_> = (0..ACTORS).map(|_| hand_written::Kv::spawn()).collect();
                    for (server, task) in servers {
                        drop(server);
                        task.await.unwrap();
                    }
                });
                runtime
            });
    }

    /// `start` returns once `init` has run (here the default, which takes
    /// the state); `stop` returns once `terminate` has run (and the name
    /// is free, for a named server).
    #[divan::bench(sample_count = 30, sample_size = 1)]
    fn genserver(bencher: Bencher<'_, '_>) {
        use with_genserver::Kv;
        bencher
            .counter(ItemsCount::new(ACTORS))
            .with_inputs(current_thread)
            .bench_local_values(|runtime| {
                runtime.block_on(async {
                    let mut servers = Vec::with_capacity(ACTORS);
                    for _ in 0..ACTORS {
                        servers.push(Kv::start(Kv::default()).await.unwrap());
                    }
                    for server in &servers {
                        server.stop().await.unwrap();
                    }
                });
                runtime
            });
    }

    /// `wait_for_startup` waits for `on_start`; `stop_gracefully` queues a
    /// stop behind the messages already sent, and `wait_for_shutdown_result`
    /// waits until the mailbox is closed and `on_stop` has run (the actor
    /// unregistered).
    #[divan::bench(sample_count = 30, sample_size = 1)]
    fn kameo(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(ACTORS))
            .with_inputs(current_thread)
            .bench_local_values(|runtime| {
                runtime.block_on(async {
                    let mut servers = Vec::with_capacity(ACTORS);
                    for _ in 0..ACTORS {
                        let server = with_kameo::spawn();
                        server.wait_for_startup().await;
                        servers.push(server);
                    }
                    for server in &servers {
                        server.stop_gracefully().await.unwrap();
                        server.wait_for_shutdown_result().await.unwrap();
                    }
                });
                runtime
            });
    }

    /// `Actor::spawn` returns once `pre_start` has run; `stop_and_wait`
    /// sends the stop signal and waits until the actor's status is
    /// `Stopped`, which is set after `post_stop` has run and the actor was
    /// taken out of the registries.
    #[divan::bench(sample_count = 30, sample_size = 1)]
    fn ractor(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(ACTORS))
            .with_inputs(current_thread)
            .bench_local_values(|runtime| {
                runtime.block_on(async {
                    let mut servers = Vec::with_capacity(ACTORS);
                    for _ in 0..ACTORS {
                        servers.push(with_ractor::spawn().await);
                    }
                    for (server, _task) in &servers {
                        server.stop_and_wait(None, None).await.unwrap();
                    }
                });
                runtime
            });
    }

    /// actix offers no wait for `started` and no stop-and-wait: the spawn
    /// is `Actor::start`'s (see `with_actix::spawn`), and the stop sends a
    /// message whose handler calls `ctx.stop()`, then awaits the actor's
    /// task, which ends after its `stopping` and `stopped` hooks have run.
    #[divan::bench(sample_count = 30, sample_size = 1)]
    fn actix(bencher: Bencher<'_, '_>) {
        bencher
            .counter(ItemsCount::new(ACTORS))
            .with_inputs(actix_rt::System::new)
            .bench_local_values(|system| {
                system.block_on(async {
                    let servers: Vec<_> = (0..ACTORS).map(|_| with_actix::spawn()).collect();
                    for (server, task) in servers {
                        server.do_send(with_actix::Stop);
                        task.await.unwrap();
                    }
                });
                system
            });
    }
}

/// Heap bytes per idle actor: the allocation profile of spawning 10,000
/// actors that are then left idle (each has run once: started, waiting on
/// its mailbox). The runtime is built outside the timing and its run
/// queues grown beforehand by 10,000 empty tasks, so that an actor spawned
/// without waiting (hand-written, actix) is not charged for the queue
/// those tasks wait in. `ratios.sh` divides what stays allocated (allocated
/// plus grown, minus shrunk and freed) by 10,000. The timing of these
/// benches is not used.
mod memory {
    use super::*;

    const ACTORS: usize = 10_000;

    /// A current-thread runtime whose run queue has held `ACTORS` tasks.
    fn warmed_runtime() -> Runtime {
        let runtime = current_thread();
        runtime.block_on(async {
            for _ in 0..ACTORS {
                tokio::spawn(async {});
            }
            tokio::spawn(async {}).await.unwrap();
        });
        runtime
    }

    /// The same for actix: a `System`, whose `LocalSet` queue has held
    /// `ACTORS` tasks.
    fn warmed_system() -> actix_rt::SystemRunner {
        let system = actix_rt::System::new();
        system.block_on(async {
            for _ in 0..ACTORS {
                actix_rt::spawn(async {});
            }
            actix_rt::spawn(async {}).await.unwrap();
        });
        system
    }

    /// Waits until every task spawned so far has been polled once: the
    /// run queue is first in, first out.
    async fn let_spawned_tasks_run() {
        tokio::spawn(async {}).await.unwrap();
    }

    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn hand_written(bencher: Bencher<'_, '_>) {
        bencher
            .with_inputs(|| (warmed_runtime(), Vec::with_capacity(ACTORS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..ACTORS {
                        servers.push(hand_written::Kv::spawn());
                    }
                    let_spawned_tasks_run().await;
                });
            });
    }

    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn genserver(bencher: Bencher<'_, '_>) {
        use with_genserver::Kv;
        bencher
            .with_inputs(|| (warmed_runtime(), Vec::with_capacity(ACTORS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..ACTORS {
                        servers.push(Kv::start(Kv::default()).await.unwrap());
                    }
                    let_spawned_tasks_run().await;
                });
            });
    }

    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn kameo(bencher: Bencher<'_, '_>) {
        bencher
            .with_inputs(|| (warmed_runtime(), Vec::with_capacity(ACTORS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..ACTORS {
                        let server = with_kameo::spawn();
                        server.wait_for_startup().await;
                        servers.push(server);
                    }
                    let_spawned_tasks_run().await;
                });
            });
    }

    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn ractor(bencher: Bencher<'_, '_>) {
        bencher
            .with_inputs(|| (warmed_runtime(), Vec::with_capacity(ACTORS)))
            .bench_local_refs(|(runtime, servers)| {
                runtime.block_on(async {
                    for _ in 0..ACTORS {
                        servers.push(with_ractor::spawn().await);
                    }
                    let_spawned_tasks_run().await;
                });
            });
    }

    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn actix(bencher: Bencher<'_, '_>) {
        bencher
            .with_inputs(|| (warmed_system(), Vec::with_capacity(ACTORS)))
            .bench_local_refs(|(system, servers)| {
                system.block_on(async {
                    for _ in 0..ACTORS {
                        servers.push(with_actix::spawn());
                    }
                    actix_rt::spawn(async {}).await.unwrap();
                });
            });
    }
}
