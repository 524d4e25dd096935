//! Unit tests of the mailbox: what it counts, when it wakes its receiver,
//! and the timer table it keeps only while a timer is live.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::time::Instant;

use super::{Envelope, Mailbox, Recv, SPARE};
use crate::timer::Kind;
use crate::{ExitReason, gen_server};

struct Probe;

#[gen_server(crate = crate)]
impl Probe {
    #[cast]
    fn poke(&mut self) {}

    #[info]
    fn tick(&mut self) {}
}

fn tick() -> Kind<ProbeInfo> {
    Kind::Once(ProbeInfo::Tick)
}

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A mailbox whose receiver waits, with a waker that counts.
fn waiting() -> (Mailbox<Probe>, Arc<Count>, VecDeque<Envelope<Probe>>) {
    let mailbox = Mailbox::<Probe>::new();
    let count = Arc::new(Count(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&count));
    let mut batch = VecDeque::new();
    let empty = mailbox.poll_recv(&mut batch, None, &mut Context::from_waker(&waker));
    assert!(matches!(empty, Poll::Ready(Recv::Empty { .. })));
    (mailbox, count, batch)
}

fn stop() -> Envelope<Probe> {
    Envelope::Stop(ExitReason::Normal)
}

/// Quiet sends count as sent, and wake the receiver only once [`SPARE`]
/// envelopes wait, so that they are handled in a batch.
#[tokio::test]
async fn quiet_sends_are_counted_and_wake_the_receiver_once_a_batch_waits() {
    let (mailbox, count, _batch) = waiting();
    for sent in 1..SPARE {
        assert!(mailbox.send_quietly(stop()).is_ok());
        assert_eq!(mailbox.sent(), u64::try_from(sent).unwrap());
    }
    assert_eq!(count.0.load(Ordering::SeqCst), 0, "woken early");
    assert!(mailbox.send_quietly(stop()).is_ok());
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "not woken for a batch");
}

/// An expired timer joins the queue as an envelope sent, and the table is
/// freed once no timer is live.
#[tokio::test(start_paused = true)]
async fn an_expired_timer_counts_as_sent_and_its_table_goes_with_it() {
    let (mailbox, _count, mut batch) = waiting();
    let now = Instant::now();
    let key = mailbox.arm_timer(now, tick()).ok().unwrap();
    let waker = Waker::noop();
    let got = mailbox.poll_recv(&mut batch, Some(now), &mut Context::from_waker(waker));
    assert!(matches!(got, Poll::Ready(Recv::Envelope(Envelope::Timer(k))) if k == key));
    assert_eq!(mailbox.sent(), 1);
    assert!(mailbox.take_timer(key).is_some());
    assert!(mailbox.lock().timers.is_none(), "no live timer: no table");
    // And after a cancel.
    let key = mailbox
        .arm_timer(now + Duration::from_secs(1), tick())
        .ok()
        .unwrap();
    assert!(mailbox.lock().timers.is_some());
    assert!(mailbox.cancel_timer(key));
    assert!(mailbox.lock().timers.is_none(), "no live timer: no table");
}

/// A timer that is due no earlier than one already armed does not wake the
/// receiver, which waits for the earlier one anyway; an earlier one does.
#[tokio::test(start_paused = true)]
async fn only_a_timer_earlier_than_the_armed_ones_wakes_the_receiver() {
    let (mailbox, count, mut batch) = waiting();
    let at = Instant::now() + Duration::from_secs(1);
    assert!(mailbox.arm_timer(at, tick()).is_ok());
    assert_eq!(
        count.0.load(Ordering::SeqCst),
        1,
        "the first timer wakes it"
    );
    // Waiting again, for that timer.
    let waker = Waker::from(Arc::clone(&count));
    let empty = mailbox.poll_recv(&mut batch, None, &mut Context::from_waker(&waker));
    assert!(matches!(empty, Poll::Ready(Recv::Empty { next_timer: Some(t), .. }) if t == at));
    assert!(mailbox.arm_timer(at, tick()).is_ok());
    assert!(
        mailbox
            .arm_timer(at + Duration::from_secs(1), tick())
            .is_ok()
    );
    assert_eq!(
        count.0.load(Ordering::SeqCst),
        1,
        "a later or equal one does not"
    );
    assert!(
        mailbox
            .arm_timer(at - Duration::from_millis(1), tick())
            .is_ok()
    );
    assert_eq!(count.0.load(Ordering::SeqCst), 2, "an earlier one does");
}

/// A queue whose room a burst grew to exactly [`SPARE`] slots is not
/// oversized: only beyond that does an idle mailbox give slots back.
/// (Outside a runtime: no cooperative budget cuts the draining short.)
#[test]
fn a_queue_of_spare_slots_is_not_oversized() {
    let (mailbox, _count, mut batch) = waiting();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    for _ in 0..SPARE {
        assert!(mailbox.send(stop()).is_ok());
    }
    assert_eq!(mailbox.lock().queue.capacity(), SPARE, "grown by doubling");
    // Take them all, then find the mailbox empty.
    while let Poll::Ready(Recv::Envelope(_)) = mailbox.poll_recv(&mut batch, None, &mut cx) {}
    let empty = mailbox.poll_recv(&mut batch, None, &mut cx);
    assert!(
        matches!(
            empty,
            Poll::Ready(Recv::Empty {
                oversized: false,
                ..
            })
        ),
        "{SPARE} slots are the spare room"
    );
    // One more message: the receiver swaps queues, and the room the burst
    // grew is now the shared queue's.
    assert!(mailbox.send(stop()).is_ok());
    while let Poll::Ready(Recv::Envelope(_)) = mailbox.poll_recv(&mut batch, None, &mut cx) {}
    assert_eq!(mailbox.lock().queue.capacity(), SPARE);
    let empty = mailbox.poll_recv(&mut batch, None, &mut cx);
    assert!(matches!(
        empty,
        Poll::Ready(Recv::Empty {
            oversized: false,
            ..
        })
    ));
    assert!(mailbox.send(stop()).is_ok());
    for _ in 0..SPARE {
        assert!(mailbox.send(stop()).is_ok());
    }
    while let Poll::Ready(Recv::Envelope(_)) = mailbox.poll_recv(&mut batch, None, &mut cx) {}
    let empty = mailbox.poll_recv(&mut batch, None, &mut cx);
    assert!(matches!(
        empty,
        Poll::Ready(Recv::Empty {
            oversized: true,
            ..
        })
    ));
}
