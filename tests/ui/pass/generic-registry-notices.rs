//! A generic server with an `#[info]` handler for `Down` and one for `Exit`:
//! it monitors the servers it registers, traps the exits of the workers it
//! starts linked, and runs under a supervisor from the child specs that
//! `restart = ..` and `shutdown = ..` configure.
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

use genserver::prelude::*;
use genserver::supervisor::ChildState;
use genserver::{AnyRef, MonitorRef, ServerId};

struct Registry<K> {
    entries: HashMap<K, (AnyRef, MonitorRef)>,
    downs: Vec<Down>,
    exits: Vec<Exit>,
}

#[gen_server(restart = transient, shutdown = 10_000)]
impl<K: Eq + Hash + Clone> Registry<K> {
    #[init]
    fn init(capacity: usize, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exits(true);
        Registry {
            entries: HashMap::with_capacity(capacity),
            downs: Vec::new(),
            exits: Vec::new(),
        }
    }

    #[call]
    fn register(&mut self, key: K, server: AnyRef, ctx: &mut Context<Self>) -> MonitorRef {
        let monitor = ctx.monitor(&server);
        self.entries.insert(key, (server, monitor));
        monitor
    }

    #[call]
    fn lookup(&self, key: K) -> Option<ServerId> {
        self.entries.get(&key).map(|(server, _)| server.id())
    }

    /// Starts a worker linked to the registry, which traps its exit.
    #[call]
    async fn spawn_linked(&mut self) -> ServerRef<Worker> {
        Worker::start_link(Worker).await.expect("the worker starts")
    }

    #[call]
    fn notices(&self) -> (Vec<Down>, Vec<Exit>) {
        (self.downs.clone(), self.exits.clone())
    }

    #[info]
    fn down(&mut self, down: Down) {
        self.entries
            .retain(|_, (_, monitor)| *monitor != down.monitor);
        self.downs.push(down);
    }

    #[info]
    async fn exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        assert_ne!(exit.from, ctx.id());
        self.exits.push(exit);
    }
}

#[derive(Clone)]
struct Worker;

#[gen_server(shutdown = brutal_kill)]
impl Worker {
    #[cast]
    fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }
}

#[derive(Clone)]
struct Patient;

#[gen_server(shutdown = infinity, restart = temporary)]
impl Patient {
    #[call]
    fn ping(&self) -> bool {
        true
    }
}

/// Polls `check` until it gives a value, for at most five seconds.
async fn eventually<T, F: Future<Output = Option<T>>>(mut check: impl FnMut() -> F) -> T {
    for _ in 0..500 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("not in five seconds");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let registry_spec = format!("{:?}", Registry::<String>::child_spec(4));
    assert!(
        registry_spec.contains(r#"id: "Registry""#),
        "{registry_spec}"
    );
    assert!(
        registry_spec.contains("restart: Transient"),
        "{registry_spec}"
    );
    assert!(
        registry_spec.contains("shutdown: Timeout(10s)"),
        "{registry_spec}"
    );
    let worker_spec = format!("{:?}", Worker::child_spec(Worker));
    assert!(worker_spec.contains("restart: Permanent"), "{worker_spec}");
    assert!(
        worker_spec.contains("shutdown: BrutalKill"),
        "{worker_spec}"
    );
    let patient_spec = format!("{:?}", Patient::child_spec(Patient));
    assert!(
        patient_spec.contains("restart: Temporary"),
        "{patient_spec}"
    );
    assert!(
        patient_spec.contains("shutdown: Infinity"),
        "{patient_spec}"
    );

    let supervisor = Supervisor::start(
        SupervisorOptions::default(),
        vec![
            Registry::<String>::child_spec(4),
            Worker::child_spec(Worker),
            Patient::child_spec(Patient),
        ],
    )
    .await
    .unwrap();
    let children = supervisor.which_children().await.unwrap();
    assert_eq!(children.len(), 3);
    let ChildState::Running(registry) = children[0].state.clone() else {
        panic!("the registry runs: {children:?}");
    };
    let registry = registry.downcast::<Registry<String>>().unwrap();

    // A monitored server stops: the `Down` handler removes its entry.
    let watched = Worker::start(Worker).await.unwrap();
    let monitor = registry
        .register("watched".to_owned(), watched.clone().into())
        .await
        .unwrap();
    assert_eq!(
        registry.lookup("watched".to_owned()).await.unwrap(),
        Some(watched.id())
    );
    watched.quit(ExitReason::shutdown("done")).unwrap();
    let down = eventually(|| async {
        let (downs, _) = registry.notices().await.unwrap();
        downs.into_iter().next()
    })
    .await;
    assert_eq!(down.monitor, monitor);
    assert_eq!(down.id, watched.id());
    assert_eq!(down.reason, ExitReason::shutdown("done"));
    assert_eq!(registry.lookup("watched".to_owned()).await.unwrap(), None);

    // A linked worker crashes: the registry traps the exit and lives on.
    let linked = registry.spawn_linked().await.unwrap();
    linked.quit(ExitReason::custom("crashed")).unwrap();
    let exit = eventually(|| async {
        let (_, exits) = registry.notices().await.unwrap();
        exits.into_iter().next()
    })
    .await;
    assert_eq!(exit.from, linked.id());
    assert_eq!(exit.reason, ExitReason::custom("crashed"));
    assert!(registry.is_alive());

    supervisor.stop().await.unwrap();
    assert!(!registry.is_alive());
}
