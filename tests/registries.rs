//! `Registry`: unique and duplicate keys, values, via names, dispatch,
//! removal on exit, races. Each test names the case of Elixir's
//! `lib/elixir/test/elixir/registry_test.exs` it ports, where it ports one.

mod support;

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{Keys, Registry, RegistryError};
use support::within;

const LIMIT: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Room {
    lines: Vec<String>,
}

#[gen_server]
impl Room {
    #[cast]
    fn post(&mut self, line: String) {
        self.lines.push(line);
    }

    #[call]
    fn lines(&self) -> Vec<String> {
        self.lines.clone()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("the room crashed");
    }
}

async fn room() -> ServerRef<Room> {
    Room::start(Room::default()).await.unwrap()
}

/// "has unique registrations": one server per key; the same server under
/// several keys; `keys`, `lookup`, `count`, `unregister`.
#[tokio::test]
async fn has_unique_registrations() {
    let _watchdog = support::watchdog();
    let registry: Registry<String, u32> = Registry::new(Keys::Unique);
    let (a, b) = (room().await, room().await);
    registry.register(&a, "hello".into(), 1).unwrap();
    registry.register(&a, "world".into(), 2).unwrap();
    assert_eq!(
        registry.register(&b, "hello".into(), 3),
        Err(RegistryError::AlreadyRegistered(AnyRef::from(a.clone())))
    );
    assert_eq!(
        registry.register(&a, "hello".into(), 4),
        Err(RegistryError::AlreadyRegistered(AnyRef::from(a.clone())))
    );
    assert_eq!(
        registry.lookup(&"hello".into()),
        [(AnyRef::from(a.clone()), 1)]
    );
    let mut keys = registry.keys(&a);
    keys.sort();
    assert_eq!(keys, ["hello", "world"]);
    assert!(registry.keys(&b).is_empty());
    assert_eq!(registry.count(), 2);
    registry.unregister(&a, &"hello".into());
    assert!(registry.lookup(&"hello".into()).is_empty());
    registry.register(&b, "hello".into(), 5).unwrap();
    assert_eq!(registry.count(), 2);
    assert_eq!(registry.count_key(&"hello".into()), 1);
}

/// "has duplicate registrations": many servers under one key, each once;
/// `dispatch` reaches them all; `match` filters on values.
#[tokio::test]
async fn has_duplicate_registrations_and_dispatch() {
    let _watchdog = support::watchdog();
    let topics: Registry<&'static str, u32> = Registry::new(Keys::Duplicate);
    let rooms = [room().await, room().await, room().await];
    for (index, room) in rooms.iter().enumerate() {
        topics
            .register(room, "news", u32::try_from(index).unwrap())
            .unwrap();
    }
    assert_eq!(
        topics.register(&rooms[0], "news", 9),
        Err(RegistryError::AlreadyRegistered(AnyRef::from(
            rooms[0].clone()
        )))
    );
    assert_eq!(topics.count_key(&"news"), 3);
    let mut reached = 0;
    topics.dispatch(&"news", |server, value| {
        let room = server.clone().downcast::<Room>().unwrap();
        room.post(format!("breaking {value}")).unwrap();
        reached += 1;
    });
    assert_eq!(reached, 3);
    for (index, room) in rooms.iter().enumerate() {
        assert_eq!(room.lines().await.unwrap(), [format!("breaking {index}")]);
    }
    let odd: Vec<u32> = topics
        .match_values(&"news", |value| value % 2 == 1)
        .into_iter()
        .map(|(_, value)| value)
        .collect();
    assert_eq!(odd, [1]);
    assert_eq!(topics.lookup_as::<Room>(&"news").len(), 3);
    topics.unregister(&rooms[1], &"news");
    assert_eq!(topics.count_key(&"news"), 2);
}

/// "removes key on process exit": however a server stops, its entries go,
/// before anyone sees its exit.
#[tokio::test]
async fn removes_key_on_process_exit() {
    let _watchdog = support::watchdog();
    let unique: Registry<u64> = Registry::new(Keys::Unique);
    let topics: Registry<u64> = Registry::new(Keys::Duplicate);
    for how in ["stop", "crash", "kill"] {
        let room = room().await;
        unique.register(&room, 1, ()).unwrap();
        topics.register(&room, 2, ()).unwrap();
        match how {
            "stop" => room.stop().await.unwrap(),
            "crash" => room.crash().unwrap(),
            _ => room.kill().await.unwrap(),
        }
        within(LIMIT, "the room's exit", room.exited()).await;
        assert!(unique.lookup(&1).is_empty(), "after {how}");
        assert!(topics.lookup(&2).is_empty(), "after {how}");
        assert_eq!(unique.count() + topics.count(), 0);
    }
    // A server that is gone cannot be registered.
    let gone = room().await;
    gone.stop().await.unwrap();
    assert_eq!(unique.register(&gone, 3, ()), Err(RegistryError::NoProc));
    assert_eq!(unique.count(), 0);
}

/// Via names: started under a key, found typed, called by key; `NoProc`
/// for a key nobody has; a taken key fails the start like a taken name.
#[tokio::test]
async fn via_names() {
    let _watchdog = support::watchdog();
    let rooms: Registry<u64> = Registry::new(Keys::Unique);
    let options = StartOptions::new().via(&rooms, 42);
    let first = Room::start_with(options.clone(), Room::default())
        .await
        .unwrap();
    ServerRef::<Room>::via(&rooms, &42)
        .unwrap()
        .post("hi".into())
        .unwrap();
    assert_eq!(first.lines().await.unwrap(), ["hi"]);
    assert_eq!(
        ServerRef::<Room>::via(&rooms, &7).unwrap_err(),
        CallError::NoProc
    );
    let again = Room::start_with(options, Room::default()).await;
    let error = again.expect_err("the key is taken");
    assert!(matches!(&error, StartError::AlreadyStarted(existing) if *existing == first));
    assert_eq!(
        error.to_string(),
        format!("already started: the key is registered to {}", first.id())
    );
    assert!(rooms.whereis::<Other>(&42).is_none(), "typed lookup");
}

struct Other;

#[gen_server]
impl Other {
    #[cast]
    fn nothing(&mut self) {}
}

/// Several registries side by side: the same key in each, independent.
#[tokio::test]
async fn registries_side_by_side() {
    let _watchdog = support::watchdog();
    let (one, two): (Registry<&str>, Registry<&str>) =
        (Registry::new(Keys::Unique), Registry::new(Keys::Unique));
    let (a, b) = (room().await, room().await);
    one.register(&a, "lobby", ()).unwrap();
    two.register(&b, "lobby", ()).unwrap();
    assert_eq!(one.whereis::<Room>(&"lobby"), Some(a));
    assert_eq!(two.whereis::<Room>(&"lobby"), Some(b));
}

/// Many tasks registering one unique key at once: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_of_many_racing_registrations_wins() {
    let _watchdog = support::watchdog();
    for _ in 0..20 {
        let registry: Registry<&str> = Registry::with_partitions(Keys::Unique, 4);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let registry = registry.clone();
            tasks.push(tokio::spawn(async move {
                let room = room().await;
                registry.register(&room, "only", ()).is_ok().then_some(room)
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            winners.extend(within(LIMIT, "the task `task`", task).await.unwrap());
        }
        assert_eq!(winners.len(), 1);
        assert_eq!(registry.whereis::<Room>(&"only"), Some(winners[0].clone()));
    }
}

/// A server stopping while it is being looked up: every lookup gives it or
/// nothing, every call an answer or an error, never a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stopping_while_being_looked_up() {
    let _watchdog = support::watchdog();
    let registry: Registry<u64> = Registry::new(Keys::Unique);
    let room = room().await;
    registry.register(&room, 1, ()).unwrap();
    let looking = Arc::new(registry.clone());
    let lookups = tokio::spawn(async move {
        let mut answers = 0;
        while let Some(found) = looking.whereis::<Room>(&1) {
            if found.lines().await.is_ok() {
                answers += 1;
            }
            tokio::task::yield_now().await;
        }
        answers
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    room.stop().await.unwrap();
    within(LIMIT, "the task `lookups`", lookups).await.unwrap();
    assert!(registry.whereis::<Room>(&1).is_none());
}

/// A supervisor registers a restarted child under the same key.
#[tokio::test]
async fn a_restarted_child_is_registered_again() {
    let _watchdog = support::watchdog();
    let rooms: Registry<u64> = Registry::new(Keys::Unique);
    let via = rooms.clone();
    let spec = ChildSpec::new("room", move || {
        Room::start_with(StartOptions::new().via(&via, 7).link(), Room::default())
    });
    let supervisor = Supervisor::start(SupervisorOptions::default(), vec![spec])
        .await
        .unwrap();
    let first = rooms.whereis::<Room>(&7).unwrap();
    first.crash().unwrap();
    within(LIMIT, "the first server's exit", first.exited()).await;
    // The supervisor had the notice first: once it answers, the new one is in.
    assert_eq!(supervisor.count_children().await.unwrap().active, 1);
    let second = rooms.whereis::<Room>(&7).unwrap();
    assert_ne!(second, first);
    supervisor.stop().await.unwrap();
    assert!(rooms.whereis::<Room>(&7).is_none());
}

/// A via name needs unique keys, as in Elixir.
#[test]
#[should_panic(expected = "a via name needs a registry with unique keys")]
fn via_refuses_a_duplicate_registry() {
    let _watchdog = support::watchdog();
    let topics: Registry<u64> = Registry::new(Keys::Duplicate);
    let _ = StartOptions::new().via(&topics, 1);
}

/// On many threads, a restarted child finds its key free: the registry
/// forgets a server before its supervisor hears of its exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_child_finds_its_key_free_on_many_threads() {
    let _watchdog = support::watchdog();
    let rooms: Registry<u64> = Registry::new(Keys::Unique);
    let via = rooms.clone();
    let spec = ChildSpec::new("room", move || {
        Room::start_with(StartOptions::new().via(&via, 7).link(), Room::default())
    });
    let options = SupervisorOptions::default().max_restarts(u32::MAX);
    let supervisor = Supervisor::start(options, vec![spec]).await.unwrap();
    for _ in 0..200 {
        let before = rooms.whereis::<Room>(&7).unwrap();
        before.crash().unwrap();
        within(LIMIT, "the earlier server's exit", before.exited()).await;
        assert_eq!(supervisor.count_children().await.unwrap().active, 1);
        let after = rooms.whereis::<Room>(&7).expect("registered again");
        assert_ne!(after, before);
    }
    supervisor.stop().await.unwrap();
}

struct Refuses;

#[gen_server]
impl Refuses {
    #[init]
    fn init() -> Result<Self, String> {
        Err("no".into())
    }
}

/// A failed start under a via name leaves the key free, as it does a name.
#[tokio::test]
async fn a_failed_start_leaves_the_key_free() {
    let _watchdog = support::watchdog();
    let keys: Registry<&str> = Registry::new(Keys::Unique);
    let started = Refuses::start_with(StartOptions::new().via(&keys, "k")).await;
    assert!(matches!(started, Err(StartError::Init(_))));
    assert_eq!(keys.count(), 0);
    let room = Room::start_with(StartOptions::new().via(&keys, "k"), Room::default())
        .await
        .unwrap();
    assert_eq!(keys.whereis::<Room>(&"k"), Some(room));
}

/// A key taken by a server of another type: `NameInUse`, naming the key;
/// options and registries show what they are.
#[tokio::test]
async fn a_key_taken_by_another_type_says_which_key() {
    let _watchdog = support::watchdog();
    let keys: Registry<&str> = Registry::with_partitions(Keys::Unique, 3);
    let options = StartOptions::new().via(&keys, "lobby");
    assert!(
        format!("{options:?}").contains("Via(\"\\\"lobby\\\"\")"),
        "{options:?}"
    );
    assert_eq!(
        format!("{keys:?}"),
        "Registry { keys: Unique, partitions: 3, .. }"
    );
    let _room = Room::start_with(options.clone(), Room::default())
        .await
        .unwrap();
    match Other::start_with(options, Other).await {
        Err(StartError::NameInUse(key)) => assert_eq!(key, "\"lobby\""),
        other => panic!("expected NameInUse, got {other:?}"),
    }
}

/// A server's entries in one partition share one monitor: unregistering
/// one key keeps the others, and its exit still removes them.
#[tokio::test]
async fn unregistering_one_key_keeps_the_others() {
    let _watchdog = support::watchdog();
    let registry: Registry<u64> = Registry::with_partitions(Keys::Unique, 1);
    let room = room().await;
    for key in [1, 2, 3] {
        registry.register(&room, key, ()).unwrap();
    }
    registry.unregister(&room, &2);
    let mut keys = registry.keys(&room);
    keys.sort_unstable();
    assert_eq!(keys, [1, 3]);
    assert_eq!(registry.count(), 2);
    room.stop().await.unwrap();
    assert_eq!(registry.count(), 0, "its exit removed the rest");
    assert!(registry.keys(&room).is_empty());
}

#[derive(Default)]
struct Pinged;

#[gen_server]
impl Pinged {
    #[call]
    fn ping(&self) {}
}

/// A caller that finds a server in a registry and gets `NoProc` finds the
/// key free, or taken by a new server: never still leading to the one that
/// refused it (the registry forgets a server before its mailbox closes, as
/// a name is freed).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_never_leads_to_a_server_that_refuses_messages() {
    let _watchdog = support::watchdog();
    let rooms: Registry<u64> = Registry::new(Keys::Unique);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut lookers = Vec::new();
    for _ in 0..3 {
        let (rooms, stop) = (rooms.clone(), Arc::clone(&stop));
        lookers.push(tokio::spawn(async move {
            let mut stale = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(found) = rooms.whereis::<Pinged>(&1)
                    && found.ping().await == Err(CallError::NoProc)
                    && rooms.whereis::<Pinged>(&1).as_ref() == Some(&found)
                {
                    stale += 1;
                }
                tokio::task::yield_now().await;
            }
            stale
        }));
    }
    let options = StartOptions::new().via(&rooms, 1);
    for _ in 0..2_000 {
        let server = Pinged::start_with(options.clone(), Pinged).await.unwrap();
        server.stop().await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for looker in lookers {
        assert_eq!(within(LIMIT, "the task `looker`", looker).await.unwrap(), 0);
    }
}
