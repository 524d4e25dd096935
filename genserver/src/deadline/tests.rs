//! The deadline lists: order, cancellation, refresh, and when a call wakes the driver.

use std::future::Future;
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
    // With no free slot left, the next call takes a new one.
    let fresh = shard.insert(start + 5 * MS, MS, waker.clone());
    assert_eq!(fresh.index, 3);
    assert!(shard.cancel(fresh).is_some());
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

#[tokio::test]
async fn the_driver_reads_deadlines_in_nanoseconds_since_the_lists_were_made() {
    let deadlines = super::of_runtime(&tokio::runtime::Handle::current()).unwrap();
    let base = deadlines.base;
    assert_eq!(deadlines.nanos(base), 0);
    assert_eq!(deadlines.nanos(base + 1500 * MS), 1_500_000_000);
    assert_eq!(deadlines.nanos(base.checked_sub(MS).unwrap_or(base)), 0);
}

/// A call wakes the driver only when its deadline comes before the
/// driver's next look: one due at that very moment is found then anyway.
#[tokio::test(start_paused = true)]
async fn only_a_call_due_before_the_drivers_next_look_wakes_it() {
    let deadlines = super::of_runtime(&tokio::runtime::Handle::current()).unwrap();
    // No driver task: the test plays its part.
    deadlines.driving.store(true, Ordering::SeqCst);
    let timeout = 100 * MS;
    deadlines
        .next
        .store(deadlines.nanos(Instant::now() + timeout), Ordering::SeqCst);
    let (_, waker) = counter();
    let woken = || {
        let mut notified = std::pin::pin!(deadlines.wake.notified());
        let mut cx = std::task::Context::from_waker(Waker::noop());
        notified.as_mut().poll(&mut cx).is_ready()
    };
    let same = deadlines.arm(timeout, &waker).expect("armed");
    assert!(!woken(), "due at the next look: no wake");
    let later = deadlines.arm(timeout + MS, &waker).expect("armed");
    assert!(!woken(), "due after the next look: no wake");
    let earlier = deadlines.arm(99 * MS, &waker).expect("armed");
    assert!(woken(), "due before the next look: woken");
    drop((same, later, earlier));
}

#[test]
fn a_timeout_has_a_list_of_its_own_and_an_emptied_list_is_reused() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (_, waker) = counter();
    let a = shard.insert(start + MS, MS, waker.clone());
    shard.insert(start + 2 * MS, MS, waker.clone());
    shard.insert(start + 5 * MS, 5 * MS, waker.clone());
    assert_eq!(shard.lists(), [(MS, 2), (5 * MS, 1)]);
    // Emptied, the first list takes the next new timeout.
    let mut expired = Vec::new();
    shard.expire(start + 2 * MS, &mut expired);
    assert!(shard.cancel(a).is_none(), "expired already");
    shard.insert(start + 9 * MS, 7 * MS, waker.clone());
    assert_eq!(shard.lists(), [(7 * MS, 1), (5 * MS, 1)]);
    // Past the limit of lists, a new timeout joins the first, in order.
    for n in 10..30u32 {
        shard.insert(start + n * MS, n * MS, waker.clone());
    }
    let lists = shard.lists();
    assert_eq!(lists.len(), 16);
    assert_eq!(lists[0], (7 * MS, 7));
    assert!(lists[1..].iter().all(|&(_, length)| length == 1));
    for n in 9..30u32 {
        let next = shard.expire(start + n * MS, &mut expired);
        assert_eq!(next, (n < 29).then(|| start + (n + 1) * MS), "after {n} ms");
    }
}

#[test]
fn calls_with_the_same_deadline_expire_in_the_order_armed() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let counts: Vec<_> = (0..3).map(|_| counter()).collect();
    for (_, waker) in &counts {
        shard.insert(start + MS, MS, waker.clone());
    }
    let mut expired = Vec::new();
    shard.expire(start + MS, &mut expired);
    for (n, waker) in expired.into_iter().enumerate() {
        assert!(
            waker.will_wake(&counts[n].1),
            "call {n} expired out of order"
        );
    }
}

#[test]
fn a_slab_of_the_size_kept_is_kept_once_empty() {
    let start = Instant::now();
    let mut shard = Shard::default();
    let (_, waker) = counter();
    let slots: Vec<_> = (0..super::shard::KEEP_NODES)
        .map(|_| shard.insert(start + MS, MS, waker.clone()))
        .collect();
    for slot in &slots {
        assert!(shard.cancel(*slot).is_some());
    }
    // Kept: the last slot freed is the first reused.
    let again = shard.insert(start + MS, MS, waker);
    assert_eq!(again.index, slots[slots.len() - 1].index);
}

#[test]
fn each_thread_keeps_a_shard_of_its_own() {
    let shards = || {
        std::thread::spawn(|| {
            let first = super::this_thread_shard();
            assert_eq!(super::this_thread_shard(), first, "the same each time");
            first
        })
        .join()
        .unwrap()
    };
    assert_ne!(shards(), shards());
}

#[test]
fn the_deadlines_of_a_runtime_gone_are_forgotten() {
    let on_new_runtime = || {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            let id = runtime.handle().id();
            let _inside = runtime.enter();
            assert!(super::of_runtime(runtime.handle()).is_some());
            id
        })
        .join()
        .unwrap()
    };
    let gone = on_new_runtime();
    // Looking up another runtime's deadlines forgets those that nothing holds.
    on_new_runtime();
    let all = super::ALL.lock().unwrap();
    assert!(all.iter().all(|(id, _)| *id != gone));
}
