//! A global allocator that counts the bytes live, for the tests that
//! measure heap (`memory.rs`, `soak.rs`); each includes this file with
//! `#[path]`, so that only those binaries count.
//!
//! It counts for the whole process, and for each thread apart: a test whose
//! servers all run on its own thread (a current-thread runtime) reads its
//! thread's count with [`only_this_thread`], which the test harness's own
//! bookkeeping on its main thread, as other tests end, does not disturb.

#![allow(dead_code, unreachable_pub)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

/// Bytes allocated and not freed yet.
pub static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, counting bytes on the way.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        HERE.with(|here| here.set(here.get().wrapping_add(layout.size())));
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        HERE.with(|here| here.set(here.get().wrapping_sub(layout.size())));
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

thread_local! {
    /// Bytes allocated by this thread less those it freed (wrapping: a
    /// thread may free what another allocated).
    static HERE: Cell<usize> = const { Cell::new(0) };
    /// Set by [`only_this_thread`].
    static ONLY_HERE: Cell<bool> = const { Cell::new(false) };
}

/// From now on, [`live`] on this thread counts this thread's allocations
/// only.
pub fn only_this_thread() {
    ONLY_HERE.with(|only| only.set(true));
}

/// Bytes live now: in the process, or on this thread after
/// [`only_this_thread`].
pub fn live() -> usize {
    if ONLY_HERE.with(Cell::get) {
        HERE.with(Cell::get)
    } else {
        LIVE.load(Ordering::Relaxed)
    }
}

/// Bytes allocated and not freed, beyond `base` (zero if fewer).
pub fn live_above(base: usize) -> usize {
    let above = live().wrapping_sub(base);
    // Fewer than `base` when the difference wrapped around.
    if above > usize::MAX / 2 { 0 } else { above }
}
