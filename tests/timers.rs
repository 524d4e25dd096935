//! Timers: `Process.send_after`, `:timer.send_interval` and
//! `Process.cancel_timer`, to a server itself or to another one.

#![allow(missing_docs)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use support::Log;
use tokio::time::{Instant, sleep};

struct Clock {
    log: Log,
    started: Instant,
    interval: Option<TimerRef>,
}

#[gen_server]
impl Clock {
    #[init]
    fn init(log: Log) -> Self {
        Clock {
            log,
            started: Instant::now(),
            interval: None,
        }
    }

    /// Arms a one-shot timer to the server itself.
    #[call]
    fn after(&mut self, millis: u64, label: String, ctx: &mut Context<Self>) -> TimerRef {
        ctx.send_after(Duration::from_millis(millis), ClockInfo::Ring { label })
    }

    /// Starts ticking every `millis`.
    #[cast]
    fn every(&mut self, millis: u64, ctx: &mut Context<Self>) {
        let mut n = 0;
        self.interval = Some(ctx.send_interval(Duration::from_millis(millis), move || {
            n += 1;
            ClockInfo::Tick { n }
        }));
    }

    /// Cancels the interval from inside the server.
    #[call]
    fn stop_ticking(&mut self) -> bool {
        self.interval.take().is_some_and(|timer| timer.cancel())
    }

    /// Cancels a timer and says whether it was still pending.
    #[call]
    fn cancel(&mut self, timer: TimerRef) -> bool {
        timer.cancel()
    }

    /// Blocks the server (asynchronously) for `millis`.
    #[call]
    async fn busy(&mut self, millis: u64) {
        sleep(Duration::from_millis(millis)).await;
    }

    #[info]
    fn ring(&mut self, label: String) {
        let at = self.started.elapsed().as_millis();
        self.log.push(format!("{label} at {at}"));
    }

    #[info]
    fn tick(&mut self, n: u32) {
        let at = self.started.elapsed().as_millis();
        self.log.push(format!("tick {n} at {at}"));
    }
}

async fn clock() -> (ServerRef<Clock>, Log) {
    let log = Log::default();
    (Clock::start(log.clone()).await.unwrap(), log)
}

#[tokio::test(start_paused = true)]
async fn send_after_to_self_arrives_after_the_delay_in_deadline_order() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    clock.after(30, "c".into()).await.unwrap();
    clock.after(10, "a".into()).await.unwrap();
    clock.after(20, "b".into()).await.unwrap();
    sleep(Duration::from_millis(9)).await;
    assert!(log.events().is_empty());
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["a at 10", "b at 20", "c at 30"]);
}

#[tokio::test(start_paused = true)]
async fn send_after_to_another_server() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    let timer = genserver::send_after(
        &clock,
        Duration::from_millis(50),
        ClockInfo::Ring {
            label: "from outside".into(),
        },
    );
    sleep(Duration::from_millis(60)).await;
    assert_eq!(log.events(), ["from outside at 50"]);
    assert!(!timer.cancel(), "already delivered");
}

#[tokio::test(start_paused = true)]
async fn an_interval_ticks_until_cancelled() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    clock.every(10).unwrap();
    sleep(Duration::from_millis(35)).await;
    assert!(clock.stop_ticking().await.unwrap(), "the interval was live");
    sleep(Duration::from_millis(100)).await;
    assert_eq!(
        log.events(),
        ["tick 1 at 10", "tick 2 at 20", "tick 3 at 30"]
    );
    assert!(
        !clock.stop_ticking().await.unwrap(),
        "nothing left to cancel"
    );
}

#[tokio::test(start_paused = true)]
async fn an_interval_to_another_server_skips_ticks_it_missed() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    let mut n = 0;
    let timer = genserver::send_interval(&clock, Duration::from_millis(10), move || {
        n += 1;
        ClockInfo::Tick { n }
    });
    // Busy from 0 to 45: the tick due at 10 waits, those at 20, 30, 40 are skipped.
    let busy = clock.busy(45);
    busy.await.unwrap();
    sleep(Duration::from_millis(25)).await;
    assert!(timer.cancel());
    assert_eq!(
        log.events(),
        ["tick 1 at 45", "tick 2 at 55", "tick 3 at 65"]
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_before_expiry_returns_true_and_nothing_arrives() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    let timer = clock.after(50, "never".into()).await.unwrap();
    assert!(timer.cancel());
    assert!(!timer.cancel(), "a second cancel finds nothing");
    sleep(Duration::from_millis(100)).await;
    assert!(log.events().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_timer_cancelled_after_it_expired_but_before_it_was_handled_never_arrives() {
    let _watchdog = support::watchdog();
    // On the BEAM the message would already be in the mailbox and must be
    // flushed by hand; here cancel takes it back.
    let (clock, log) = clock().await;
    let timer = clock.after(10, "too late".into()).await.unwrap();
    let busy = tokio::spawn({
        let clock = clock.clone();
        async move { clock.busy(50).await }
    });
    sleep(Duration::from_millis(20)).await;
    // The timer expired at 10 while the server was busy: its token is queued.
    assert!(timer.cancel(), "still not handled, so still cancellable");
    busy.await.unwrap().unwrap();
    clock.cancel(timer).await.unwrap();
    assert!(log.events().is_empty(), "{:?}", log.events());
}

#[tokio::test(start_paused = true)]
async fn a_timer_cancelled_from_inside_the_server_never_arrives() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    let timer = clock.after(10, "cancelled".into()).await.unwrap();
    assert!(clock.cancel(timer.clone()).await.unwrap());
    assert!(!clock.cancel(timer).await.unwrap());
    sleep(Duration::from_millis(50)).await;
    assert!(log.events().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_timer_to_a_stopped_server_drops_quietly() {
    let _watchdog = support::watchdog();
    let (clock, _log) = clock().await;
    clock.stop().await.unwrap();
    let timer = genserver::send_after(
        &clock,
        Duration::from_millis(10),
        ClockInfo::Ring {
            label: "nobody".into(),
        },
    );
    sleep(Duration::from_millis(20)).await;
    assert!(!timer.cancel());
}

/// Counts its drops, to see that a timer's message is dropped with its server.
struct Tracked(#[allow(dead_code)] Arc<()>);

struct Holder;

#[gen_server]
impl Holder {
    #[info]
    fn hold(&mut self, tracked: Tracked) {
        drop(tracked);
    }
}

#[tokio::test(start_paused = true)]
async fn a_servers_timers_end_with_it_and_free_their_messages() {
    let _watchdog = support::watchdog();
    let holder = Holder::start(Holder).await.unwrap();
    let witness = Arc::new(());
    let timer = genserver::send_after(
        &holder,
        Duration::from_hours(1),
        HolderInfo::Hold {
            tracked: Tracked(Arc::clone(&witness)),
        },
    );
    assert_eq!(Arc::strong_count(&witness), 2);
    holder.stop().await.unwrap();
    assert_eq!(
        Arc::strong_count(&witness),
        1,
        "the message went with the server"
    );
    assert!(!timer.cancel());
}

#[tokio::test(start_paused = true)]
async fn pending_timers_do_not_keep_an_unnamed_server_running() {
    let _watchdog = support::watchdog();
    let holder = Holder::start(Holder).await.unwrap();
    let witness = Arc::new(());
    let _timer = genserver::send_after(
        &holder,
        Duration::from_hours(1),
        HolderInfo::Hold {
            tracked: Tracked(Arc::clone(&witness)),
        },
    );
    let weak = holder.downgrade();
    drop(holder);
    support::eventually(Duration::from_secs(1), || Arc::strong_count(&witness) == 1).await;
    assert!(weak.upgrade().is_none());
}

#[tokio::test(start_paused = true)]
async fn many_timers_armed_and_cancelled_leave_nothing_behind() {
    let _watchdog = support::watchdog();
    let holder = Holder::start(Holder).await.unwrap();
    let witness = Arc::new(());
    for _ in 0..10_000 {
        let timer = genserver::send_after(
            &holder,
            Duration::from_mins(1),
            HolderInfo::Hold {
                tracked: Tracked(Arc::clone(&witness)),
            },
        );
        assert!(timer.cancel());
    }
    assert_eq!(Arc::strong_count(&witness), 1);
    let at = Instant::now();
    sleep(Duration::from_mins(2)).await;
    assert!(at.elapsed() >= Duration::from_mins(2));
    assert!(holder.is_alive());
}

#[tokio::test]
#[should_panic(expected = "the period must be longer than zero")]
async fn an_interval_of_zero_is_refused() {
    let _watchdog = support::watchdog();
    let holder = Holder::start(Holder).await.unwrap();
    let _ = genserver::send_interval(&holder, Duration::ZERO, || HolderInfo::Hold {
        tracked: Tracked(Arc::new(())),
    });
}

#[tokio::test(start_paused = true)]
async fn an_earlier_timer_armed_from_outside_wakes_a_waiting_server() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    clock.after(3_600_000, "late".into()).await.unwrap();
    // The server now sleeps until the late timer; an earlier one must wake it.
    let _early = genserver::send_after(
        &clock,
        Duration::from_millis(10),
        ClockInfo::Ring {
            label: "early".into(),
        },
    );
    sleep(Duration::from_millis(20)).await;
    assert_eq!(log.events(), ["early at 10"]);
}

#[tokio::test(start_paused = true)]
async fn cancelling_one_timer_keeps_the_others() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    let first = clock.after(10, "first".into()).await.unwrap();
    let _second = clock.after(20, "second".into()).await.unwrap();
    assert!(first.cancel());
    sleep(Duration::from_millis(30)).await;
    assert_eq!(log.events(), ["second at 20"]);
}

#[tokio::test(start_paused = true)]
async fn an_interval_whose_maker_panics_stops_its_server_only() {
    let _watchdog = support::watchdog();
    let (clock, log) = clock().await;
    let (other, _) = self::clock().await;
    let _timer = genserver::send_interval(&clock, Duration::from_millis(10), || {
        panic!("no tick today")
    });
    let reason = support::within(Duration::from_secs(5), "the clock's exit", clock.exited()).await;
    assert_eq!(reason, ExitReason::Panic("no tick today".into()));
    assert!(log.events().is_empty());
    assert!(other.after(1, "still here".into()).await.is_ok());
}
