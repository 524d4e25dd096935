//! What every benchmark binary shares: divan's allocation profiler as the
//! global allocator, divan's `main`, and the two runtimes the workloads
//! run on. Each binary includes it with `mod common;`.

#![allow(dead_code, unreachable_pub)]

use tokio::runtime::{Builder, Runtime};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

/// A current-thread runtime with time.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// A runtime of two worker threads with time.
pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
