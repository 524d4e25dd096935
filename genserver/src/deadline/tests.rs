//! The deadline lists, without a runtime: order, cancellation, refresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};
use std::time::Duration;

use tokio::time::Instant;

use super::shard::Shard;

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    (Arc::clone(&count), Waker::from(Arc::clone(&count)))
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn calls_expire_in_deadline_order_across_timeouts() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (count, waker) = counter();
    // Two timeouts, armed out of deadline order.
    shard.insert(start + 30 * MS, 30 * MS, waker.clone());
    shard.insert(start + 10 * MS, 10 * MS, waker.clone());
    shard.insert(start + 31 * MS, 30 * MS, waker.clone());
    shard.insert(start + 11 * MS, 10 * MS, waker);
    let mut expired = Vec::new();
    assert_eq!(
        shard.expire(start + 9 * MS, &mut expired),
        Some(start + 10 * MS)
    );
    assert!(expired.is_empty());
    assert_eq!(
        shard.expire(start + 10 * MS, &mut expired),
        Some(start + 11 * MS)
    );
    assert_eq!(expired.len(), 1);
    assert_eq!(
        shard.expire(start + 30 * MS, &mut expired),
        Some(start + 31 * MS)
    );
    assert_eq!(expired.len(), 3);
    assert_eq!(shard.expire(start + 40 * MS, &mut expired), None);
    assert_eq!(expired.len(), 4);
    expired.drain(..).for_each(Waker::wake);
    assert_eq!(count.0.load(Ordering::SeqCst), 4);
    assert_eq!(shard.live(), 0);
}

#[test]
fn a_cancelled_call_is_not_woken_and_its_slot_reused_is_not_it() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (count, waker) = counter();
    let first = shard.insert(start + MS, MS, waker.clone());
    let middle = shard.insert(start + 2 * MS, MS, waker.clone());
    let last = shard.insert(start + 3 * MS, MS, waker.clone());
    assert!(shard.cancel(middle).is_some());
    assert!(shard.cancel(middle).is_none(), "cancelled once");
    assert!(shard.refresh(middle, waker.clone()).is_err());
    // The freed slot is reused, in a new generation.
    let reused = shard.insert(start + 4 * MS, MS, waker.clone());
    assert_eq!(reused.index, middle.index);
    assert_ne!(reused, middle);
    assert!(shard.refresh(middle, waker.clone()).is_err());
    assert!(shard.refresh(reused, waker.clone()).is_ok());
    let mut expired = Vec::new();
    assert_eq!(
        shard.expire(start + 3 * MS, &mut expired),
        Some(start + 4 * MS)
    );
    assert_eq!(expired.len(), 2, "first and last, not the cancelled one");
    assert!(
        shard.refresh(first, waker.clone()).is_err(),
        "an expired call is no longer waiting"
    );
    assert!(shard.refresh(last, waker.clone()).is_err());
    expired.drain(..).for_each(Waker::wake);
    assert_eq!(count.0.load(Ordering::SeqCst), 2);
    assert!(shard.cancel(reused).is_some());
    assert_eq!(shard.live(), 0);
}

#[test]
fn refresh_replaces_a_waker_that_would_not_wake_the_same_task() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (old_count, old) = counter();
    let (new_count, new) = counter();
    let slot = shard.insert(start, MS, old);
    assert!(shard.refresh(slot, new).is_ok());
    let mut expired = Vec::new();
    shard.expire(start, &mut expired);
    expired.drain(..).for_each(Waker::wake);
    assert_eq!(old_count.0.load(Ordering::SeqCst), 0);
    assert_eq!(new_count.0.load(Ordering::SeqCst), 1);
}

#[test]
fn many_distinct_timeouts_share_lists_in_deadline_order() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (_, waker) = counter();
    // More timeouts than lists, armed from the longest to the shortest.
    for n in (1..=40u32).rev() {
        shard.insert(start + n * MS, n * MS, waker.clone());
    }
    let mut expired = Vec::new();
    for n in 1..=40u32 {
        let next = shard.expire(start + n * MS, &mut expired);
        assert_eq!(expired.len(), n as usize, "by {n} ms");
        assert_eq!(next, (n < 40).then(|| start + (n + 1) * MS));
    }
}

#[test]
fn a_large_slab_is_freed_once_empty() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (_, waker) = counter();
    let slots: Vec<_> = (0..2000)
        .map(|_| shard.insert(start + MS, MS, waker.clone()))
        .collect();
    for slot in &slots {
        assert!(shard.cancel(*slot).is_some());
    }
    assert_eq!(shard.live(), 0);
    // Stale slots find nothing in the fresh slab.
    assert!(shard.refresh(slots[5], waker.clone()).is_err());
    let again = shard.insert(start + MS, MS, waker.clone());
    assert_eq!(again.index, 0);
    assert_ne!(
        again, slots[0],
        "a fresh slab does not reuse a stale slot's generation"
    );
    assert!(shard.refresh(slots[0], waker.clone()).is_err());
}
