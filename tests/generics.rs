//! Generic servers, async handlers, `&self` handlers and arguments of
//! collection types.

#![allow(missing_docs)]

mod support;

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use genserver::prelude::*;

#[derive(Debug)]
struct Cache<K, V> {
    entries: HashMap<K, V>,
}

#[gen_server]
impl<K, V> Cache<K, V>
where
    K: Eq + Hash + Clone + Ord,
    V: Clone,
{
    /// Inserts every pair; replies with how many entries there are now.
    #[call]
    fn insert_all(&mut self, pairs: Vec<(K, V)>) -> usize {
        self.entries.extend(pairs);
        self.entries.len()
    }

    #[cast]
    fn merge(&mut self, other: HashMap<K, V>) {
        self.entries.extend(other);
    }

    /// A `&self` handler returning an `Option` of a type parameter.
    #[call]
    fn lookup(&self, key: K) -> Option<V> {
        self.entries.get(&key).cloned()
    }

    #[call]
    fn keys(&self, after: Option<K>) -> Vec<K> {
        let mut keys: Vec<K> = self
            .entries
            .keys()
            .filter(|k| after.as_ref().is_none_or(|a| *k > a))
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    /// An async call taking `Self`-typed data.
    #[call]
    async fn absorb(&mut self, other: Self) -> usize {
        tokio::task::yield_now().await;
        self.entries.extend(other.entries);
        self.entries.len()
    }
}

#[tokio::test]
async fn a_generic_server_with_collection_arguments() {
    let _watchdog = support::watchdog();
    let cache = Cache::<String, u32>::start(Cache {
        entries: HashMap::new(),
    })
    .await
    .unwrap();
    let pairs = vec![("a".to_owned(), 1), ("b".to_owned(), 2)];
    assert_eq!(cache.insert_all(pairs).await.unwrap(), 2);
    cache.merge(HashMap::from([("c".to_owned(), 3)])).unwrap();
    assert_eq!(cache.lookup("c".into()).await.unwrap(), Some(3));
    assert_eq!(cache.lookup("z".into()).await.unwrap(), None);
    assert_eq!(cache.keys(Some("a".into())).await.unwrap(), ["b", "c"]);
    let other = Cache {
        entries: HashMap::from([("d".to_owned(), 4)]),
    };
    assert_eq!(cache.absorb(other).await.unwrap(), 4);
}

#[tokio::test]
async fn two_instantiations_of_one_generic_server_are_distinct_types_in_the_registry() {
    let _watchdog = support::watchdog();
    let _ints = Cache::<u8, u8>::start_named(
        "generic-cache",
        Cache {
            entries: HashMap::new(),
        },
    )
    .await
    .unwrap();
    assert!(genserver::whereis::<Cache<u8, u8>>("generic-cache").is_some());
    assert!(genserver::whereis::<Cache<u8, u16>>("generic-cache").is_none());
}

/// A rate limiter: async handlers that await timers, with `&self` and `&mut self`.
#[derive(Debug, Default)]
struct Limiter {
    granted: u32,
}

#[gen_server]
impl Limiter {
    #[call]
    async fn acquire(&mut self, cost: u32) -> u32 {
        tokio::time::sleep(Duration::from_millis(u64::from(cost))).await;
        self.granted += cost;
        self.granted
    }

    #[cast]
    async fn refund(&mut self, cost: u32) {
        tokio::task::yield_now().await;
        self.granted -= cost;
    }

    #[call]
    async fn granted(&self) -> u32 {
        tokio::task::yield_now().await;
        self.granted
    }
}

#[tokio::test(start_paused = true)]
async fn async_handlers_run_one_at_a_time() {
    let _watchdog = support::watchdog();
    let limiter = Limiter::start(Limiter::default()).await.unwrap();
    let started = tokio::time::Instant::now();
    let (a, b) = tokio::join!(limiter.acquire(10), limiter.acquire(20));
    // While one handler awaits, the server handles nothing else.
    assert_eq!((a.unwrap(), b.unwrap()), (10, 30));
    assert_eq!(started.elapsed(), Duration::from_millis(30));
    limiter.refund(5).unwrap();
    assert_eq!(limiter.granted().await.unwrap(), 25);
}
