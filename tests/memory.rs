//! Hibernation, the Rust way: an idle server gives back the mailbox memory a
//! burst left (automatically, beyond a few dozen slots, once its mailbox has
//! stayed empty for 100 ms), and all of it when a handler asks to hibernate
//! (`{:noreply, state, :hibernate}`).
//!
//! One test in this binary, measured with a counting allocator on a
//! current-thread runtime, so that nothing else allocates meanwhile.

#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use genserver::prelude::*;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, counting bytes on the way.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not freed, beyond `base` (zero if fewer).
fn live_above(base: usize) -> usize {
    LIVE.load(Ordering::Relaxed).saturating_sub(base)
}

#[derive(Default)]
struct Sink {
    sum: u64,
}

#[gen_server]
impl Sink {
    #[cast]
    fn add(&mut self, n: u64) {
        self.sum += n;
    }

    #[cast]
    fn hibernate(&mut self, ctx: &mut Context<Self>) {
        ctx.hibernate();
    }

    #[call]
    fn sum(&self) -> u64 {
        self.sum
    }
}

/// Lets the server run until it waits again.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_idle_server_gives_back_what_a_burst_left_and_hibernation_gives_back_all() {
    let server = Sink::start(Sink::default()).await.unwrap();
    assert_eq!(server.sum().await.unwrap(), 0);
    settle().await;
    let idle = LIVE.load(Ordering::Relaxed);

    // A burst of a million casts: tens of megabytes of queue at the peak.
    for n in 0..1_000_000 {
        server.add(n).unwrap();
    }
    let peak = live_above(idle);
    assert!(peak > 10_000_000, "the burst took {peak} bytes");
    assert_eq!(server.sum().await.unwrap(), 499_999_500_000);
    settle().await;
    let right_after = live_above(idle);
    assert!(right_after > 1_000_000, "kept while another burst may come");
    tokio::time::sleep(Duration::from_millis(150)).await;
    settle().await;
    let after_burst = live_above(idle);
    println!("after 1,000,000 casts: peak {peak} bytes, then {after_burst} bytes above idle");
    // A few hundred bytes may come and go inside tokio; the queue itself
    // would be megabytes.
    assert!(
        after_burst < 2048,
        "kept {after_burst} bytes after the burst"
    );

    // A small burst keeps its slots (no reallocation per batch)...
    for n in 0..40 {
        server.add(n).unwrap();
    }
    server.sum().await.unwrap();
    settle().await;
    let kept = live_above(idle);
    assert!(kept > 0, "a small batch keeps its slots");
    // ...until the server hibernates.
    server.hibernate().unwrap();
    server.sum().await.unwrap();
    settle().await;
    let hibernated = live_above(idle);
    println!("40 casts kept {kept} bytes; after hibernating, {hibernated}");
    assert!(
        hibernated < kept / 2,
        "kept {hibernated} bytes after hibernating"
    );
}
