//! A generic `Cache<K, V>`: one impl block, any key and value types.
//!
//! The generated message enum and client are generic too, and `whereis` tells
//! apart two caches of different types registered under different names.

use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::hash::Hash;

use genserver::prelude::*;

/// A bounded cache that forgets its oldest entry when full.
#[derive(Debug)]
pub struct Cache<K, V> {
    capacity: usize,
    entries: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Eq + Hash + Clone, V> Cache<K, V> {
    /// An empty cache holding at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Cache {
            capacity,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

#[gen_server]
impl<K, V> Cache<K, V>
where
    K: Eq + Hash + Clone + Debug,
    V: Clone,
{
    /// Stores every pair, forgetting the oldest entries beyond capacity;
    /// replies with the keys that were forgotten.
    #[call]
    pub fn put_all(&mut self, pairs: Vec<(K, V)>) -> Vec<K> {
        let mut evicted = Vec::new();
        for (key, value) in pairs {
            if self.entries.insert(key.clone(), value).is_none() {
                self.order.push_back(key);
            }
            while self.entries.len() > self.capacity {
                if let Some(oldest) = self.order.pop_front() {
                    self.entries.remove(&oldest);
                    evicted.push(oldest);
                }
            }
        }
        evicted
    }

    /// The value under `key`, if it is cached.
    #[call]
    pub fn get(&self, key: K) -> Option<V> {
        self.entries.get(&key).cloned()
    }

    /// Forgets `key`, without waiting.
    #[cast]
    pub fn forget(&mut self, key: K) {
        if self.entries.remove(&key).is_some() {
            self.order.retain(|k| *k != key);
        }
    }

    /// The cached keys, oldest first.
    #[call]
    pub fn keys(&self) -> Vec<K> {
        self.order.iter().cloned().collect()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let words = Cache::<String, usize>::start_named("words", Cache::with_capacity(2)).await?;
    let evicted = words
        .put_all(vec![
            ("one".into(), 1),
            ("two".into(), 2),
            ("three".into(), 3),
        ])
        .await?;
    println!("words: put one, two, three -> evicted {evicted:?}");
    println!(
        "words: get \"three\" -> {:?}",
        words.get("three".into()).await?
    );
    println!("words: get \"one\" -> {:?}", words.get("one".into()).await?);
    words.forget("two".into())?;
    println!(
        "words: forget \"two\" (cast); keys -> {:?}",
        words.keys().await?
    );

    let ids = Cache::<u64, Vec<String>>::start_named("ids", Cache::with_capacity(10)).await?;
    ids.put_all(vec![(7, vec!["seven".into(), "sept".into()])])
        .await?;
    println!("ids: get 7 -> {:?}", ids.get(7).await?);

    println!(
        "whereis::<Cache<String, usize>>(\"words\") found: {}",
        genserver::whereis::<Cache<String, usize>>("words").is_some()
    );
    println!(
        "whereis::<Cache<u64, u64>>(\"ids\") found: {} (wrong type)",
        genserver::whereis::<Cache<u64, u64>>("ids").is_some()
    );
    words.stop().await?;
    ids.stop().await?;
    Ok(())
}
