//! The key-value server the benchmarks measure, written with
//! `#[gen_server]`: the twin of `hand_written.rs`. One file for every
//! benchmark binary and for `tests/idle_heap.rs`, which include it by path,
//! so that all of them measure the same server.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;

use genserver::prelude::*;

/// A map from `u64` to `u64`.
#[derive(Debug, Default)]
pub struct Kv {
    map: HashMap<u64, u64>,
}

#[gen_server]
impl Kv {
    /// The value under `key`.
    #[call]
    pub fn get(&mut self, key: u64) -> Option<u64> {
        self.map.get(&key).copied()
    }

    /// Stores `value` under `key`.
    #[cast]
    pub fn put(&mut self, key: u64, value: u64) {
        self.map.insert(key, value);
    }
}
