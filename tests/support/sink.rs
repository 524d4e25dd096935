//! A server that sums what it is sent, for the tests of the memory a
//! server takes (`tests/memory.rs`, `tests/idle_heap.rs`). Each test
//! binary uses the part it needs.

#![allow(dead_code)]

use genserver::prelude::*;

#[derive(Default)]
pub(crate) struct Sink {
    sum: u64,
}

#[gen_server]
impl Sink {
    #[cast]
    pub(crate) fn add(&mut self, n: u64) {
        self.sum += n;
    }

    #[cast]
    pub(crate) fn hibernate(&mut self, ctx: &mut Context<Self>) {
        ctx.hibernate();
    }

    #[call]
    pub(crate) fn sum(&self) -> u64 {
        self.sum
    }
}
