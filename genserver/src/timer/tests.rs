//! Unit tests of the timer table.

use super::*;

fn at(base: Instant, millis: u64) -> Instant {
    base + Duration::from_millis(millis)
}

fn expired(timers: &mut Timers<u32>, now: Instant) -> Vec<TimerKey> {
    let mut keys = Vec::new();
    timers.expire(now, |key| keys.push(key));
    keys
}

fn message(timers: &mut Timers<u32>, key: TimerKey) -> Option<u32> {
    match timers.take(key)? {
        Taken::Message(message) => Some(message),
        Taken::Maker(mut maker) => {
            let message = maker();
            assert!(timers.restore(key, maker).is_none());
            Some(message)
        }
    }
}

#[test]
fn timers_expire_in_deadline_order_and_deliver_once() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let late = timers.insert(at(base, 30), Kind::Once(3));
    let early = timers.insert(at(base, 10), Kind::Once(1));
    let middle = timers.insert(at(base, 20), Kind::Once(2));
    assert_eq!(timers.earliest(), Some(at(base, 10)));
    assert_eq!(expired(&mut timers, at(base, 5)), []);
    assert_eq!(expired(&mut timers, at(base, 20)), [early, middle]);
    assert_eq!(timers.earliest(), Some(at(base, 30)));
    assert_eq!(message(&mut timers, middle), Some(2));
    assert_eq!(message(&mut timers, middle), None);
    assert_eq!(message(&mut timers, early), Some(1));
    assert_eq!(timers.live(), 1);
    assert_eq!(message(&mut timers, late), None, "not expired yet");
    assert_eq!(expired(&mut timers, at(base, 30)), [late]);
    assert_eq!(message(&mut timers, late), Some(3));
    assert_eq!(timers.live(), 0);
    assert_eq!(timers.earliest(), None);
}

#[test]
fn a_cancelled_timer_delivers_nothing_even_once_expired() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let key = timers.insert(at(base, 10), Kind::Once(1));
    assert_eq!(expired(&mut timers, at(base, 10)), [key]);
    assert!(timers.remove(key).is_some());
    assert!(
        timers.remove(key).is_none(),
        "a second cancel finds nothing"
    );
    assert_eq!(message(&mut timers, key), None);
    // The slot is reused under a new generation: the old key stays dead.
    let reused = timers.insert(at(base, 20), Kind::Once(2));
    assert_ne!(reused, key);
    assert!(timers.remove(key).is_none());
    assert_eq!(message(&mut timers, key), None);
    assert_eq!(timers.live(), 1);
    // Nor does it in a table made anew.
    let mut fresh = Timers::new();
    let first = fresh.insert(at(base, 20), Kind::Once(3));
    assert_ne!(first, key);
    assert!(fresh.remove(key).is_none());
}

#[test]
fn intervals_rearm_and_skip_missed_ticks() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let mut n = 0;
    let key = timers.insert(
        at(base, 10),
        Kind::Every(
            Duration::from_millis(10),
            Box::new(move || {
                n += 1;
                n
            }),
        ),
    );
    assert_eq!(expired(&mut timers, at(base, 10)), [key]);
    assert_eq!(timers.earliest(), Some(at(base, 20)));
    assert_eq!(message(&mut timers, key), Some(1));
    // Far behind: one tick, then the next period counts from now.
    assert_eq!(expired(&mut timers, at(base, 55)), [key]);
    assert_eq!(timers.earliest(), Some(at(base, 65)));
    assert_eq!(message(&mut timers, key), Some(2));
    assert!(timers.remove(key).is_some());
    assert_eq!(timers.earliest(), None);
    assert_eq!(message(&mut timers, key), None);
}

#[test]
fn a_maker_given_back_after_cancel_is_returned() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let key = timers.insert(
        at(base, 1),
        Kind::Every(Duration::from_millis(1), Box::new(|| 7)),
    );
    assert_eq!(expired(&mut timers, at(base, 1)), [key]);
    let Some(Taken::Maker(maker)) = timers.take(key) else {
        panic!("an interval lends its maker");
    };
    assert!(timers.take(key).is_none(), "lent out");
    assert!(timers.remove(key).is_some());
    assert!(timers.restore(key, maker).is_some());
}

#[test]
fn an_interval_keeps_its_rhythm_when_expired_late() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let key = timers.insert(
        at(base, 10),
        Kind::Every(Duration::from_millis(10), Box::new(|| 1)),
    );
    // Found expired 2 ms late: the next tick is still due at 20, not 22.
    assert_eq!(expired(&mut timers, at(base, 12)), [key]);
    assert_eq!(timers.earliest(), Some(at(base, 20)));
}

#[test]
fn compaction_keeps_every_live_timer() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let live: Vec<TimerKey> = (0..20)
        .map(|i| timers.insert(at(base, 100 + i), Kind::Once(u32::try_from(i).unwrap())))
        .collect();
    for i in 0..1_000 {
        let key = timers.insert(at(base, 50 + i), Kind::Once(0));
        assert!(timers.remove(key).is_some());
    }
    assert!(
        timers.heap.len() <= 2 * 20 + 8,
        "heap kept {}",
        timers.heap.len()
    );
    assert_eq!(expired(&mut timers, at(base, 200)), live);
    let messages: Vec<u32> = live
        .iter()
        .map(|&key| message(&mut timers, key).unwrap())
        .collect();
    assert_eq!(messages, (0..20).collect::<Vec<u32>>());
}

#[test]
fn a_timer_ref_shows_which_timer_it_is() {
    let dead = TimerRef::dead();
    assert!(!dead.cancel());
    assert_eq!(
        format!("{dead:?}"),
        "TimerRef { index: 0, generation: 0, .. }"
    );
}

#[test]
fn cancelled_entries_do_not_pile_up() {
    let base = Instant::now();
    let mut timers = Timers::new();
    for i in 0..10_000 {
        let key = timers.insert(at(base, 1_000 + i), Kind::Once(0));
        assert!(timers.remove(key).is_some());
    }
    assert!(
        timers.heap.len() <= 8,
        "heap kept {} entries",
        timers.heap.len()
    );
    assert_eq!(timers.slots.len(), 1, "slots are reused");
}

#[test]
fn compaction_waits_until_stale_entries_outnumber_the_live_ones_twice() {
    let base = Instant::now();
    let mut timers = Timers::new();
    let keys: Vec<TimerKey> = (0..100)
        .map(|i| timers.insert(at(base, 100 + i), Kind::Once(0)))
        .collect();
    // Cancelling leaves the entries in the heap until it holds more than
    // twice the live timers and 8: compacting costs a pass over the heap,
    // paid once per that many cancellations.
    for &key in &keys[..54] {
        assert!(timers.remove(key).is_some());
    }
    assert_eq!(timers.live(), 46);
    assert_eq!(
        timers.heap.len(),
        100,
        "compacted at 100 = 2 × 46 + 8 entries"
    );
    assert!(timers.remove(keys[54]).is_some());
    assert_eq!(
        timers.heap.len(),
        45,
        "every stale entry dropped, no live one"
    );
    for &key in &keys[55..] {
        assert!(timers.remove(key).is_some());
    }
    assert_eq!(timers.live(), 0);
    assert!(timers.heap.len() <= 8, "heap kept {}", timers.heap.len());
    assert_eq!(timers.earliest(), None);
}
