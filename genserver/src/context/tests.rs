//! Unit tests of the context: when an idle server's mailbox gives back the
//! slots a burst left.

use std::sync::Arc;

use tokio::time::{Duration, Instant};

use super::Context;
use crate::mailbox::RELEASE_AFTER;
use crate::server_ref::Inner;
use crate::{ServerId, gen_server};

struct Probe;

#[gen_server(crate = crate)]
impl Probe {
    #[cast]
    fn poke(&mut self) {}
}

/// A busy server re-arms its wake-up timer at most once per period: the
/// check keeps its deadline while messages come and go, and moves it only
/// once the timer has fired before the mailbox was empty long enough.
#[tokio::test(start_paused = true)]
async fn the_release_check_keeps_its_deadline_while_messages_come_and_go() {
    let mut ctx = Context::new(Arc::new(Inner::<Probe>::new(ServerId::next(), None, None)));
    let start = Instant::now();
    let first = start + RELEASE_AFTER;
    assert_eq!(ctx.release_check(None), Some(first));

    // A message, then empty again: due later, but the armed deadline stays,
    // and a wake-up for something else does not move it.
    ctx.end_wait();
    tokio::time::advance(RELEASE_AFTER / 2).await;
    let second = first + RELEASE_AFTER / 2;
    assert_eq!(ctx.release_check(None), Some(first), "re-armed while busy");
    assert_eq!(ctx.release_check(Some(Instant::now())), Some(first));

    // The timer fires at its deadline, the mailbox not yet empty long
    // enough: the next look is when it will have been.
    tokio::time::advance(first - Instant::now()).await;
    assert_eq!(ctx.release_check(Some(first)), Some(second));
    assert_eq!(
        ctx.release_check(None),
        Some(second),
        "asked again: it stands"
    );

    // Another message; the timer fires late, at a deadline from before it.
    ctx.end_wait();
    tokio::time::advance(RELEASE_AFTER / 2).await;
    let third = Instant::now() + RELEASE_AFTER;
    assert_eq!(ctx.release_check(None), Some(second));
    let late = second + Duration::from_millis(1);
    tokio::time::advance(late - Instant::now()).await;
    assert_eq!(ctx.release_check(Some(late)), Some(third));

    // Fired at the deadline, empty all along since: release now.
    tokio::time::advance(third - Instant::now()).await;
    assert_eq!(ctx.release_check(Some(third)), None);
}
