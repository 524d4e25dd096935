//! Idle timeouts: `{:noreply, state, timeout}` and `handle_info(:timeout, state)`,
//! here with the info message the handler chooses (which also covers
//! `{timeout, T, Msg}`). Ported from the timeout clauses of
//! `gen_server_SUITE`'s `call`, `cast` and `info` cases.

#![allow(missing_docs)]

mod support;

use std::time::Duration;

use genserver::prelude::*;
use support::Log;
use tokio::time::{Instant, sleep};

struct Idler {
    log: Log,
    started: Instant,
}

#[gen_server]
impl Idler {
    #[init]
    fn init(log: Log, idle_millis: Option<u64>, ctx: &mut Context<Self>) -> Self {
        if let Some(millis) = idle_millis {
            let info = IdlerInfo::Timeout {
                label: "init".into(),
            };
            ctx.idle_timeout(Duration::from_millis(millis), info);
        }
        Idler {
            log,
            started: Instant::now(),
        }
    }

    /// `{:noreply, state, millis}`, with a label to tell timeouts apart.
    #[cast]
    fn idle(&mut self, millis: u64, label: String, ctx: &mut Context<Self>) {
        ctx.idle_timeout(Duration::from_millis(millis), IdlerInfo::Timeout { label });
    }

    /// `{:reply, :ok, state, millis}`.
    #[call]
    fn idle_call(&mut self, millis: u64, ctx: &mut Context<Self>) -> &'static str {
        let info = IdlerInfo::Timeout {
            label: "call".into(),
        };
        ctx.idle_timeout(Duration::from_millis(millis), info);
        "ok"
    }

    /// Sets an idle timeout and continues: the continue runs at once, and
    /// sets no timeout of its own.
    #[cast]
    fn idle_then_continue(&mut self, ctx: &mut Context<Self>) {
        let info = IdlerInfo::Timeout {
            label: "dropped".into(),
        };
        ctx.idle_timeout(Duration::from_millis(10), info);
        ctx.continue_with(IdlerInfo::Noted {
            text: "continued".into(),
        });
    }

    /// Hibernates and waits idle: both apply.
    #[cast]
    fn hibernate_idle(&mut self, millis: u64, ctx: &mut Context<Self>) {
        ctx.hibernate();
        let info = IdlerInfo::Timeout {
            label: "hibernated".into(),
        };
        ctx.idle_timeout(Duration::from_millis(millis), info);
    }

    /// Hibernates and continues: the continue runs, then the server
    /// hibernates and waits for the idle timeout the continue sets.
    #[cast]
    fn hibernate_continue(&mut self, ctx: &mut Context<Self>) {
        ctx.hibernate();
        ctx.continue_with(IdlerInfo::IdleAgain);
    }

    #[info]
    fn idle_again(&mut self, ctx: &mut Context<Self>) {
        self.log.push("continued");
        let info = IdlerInfo::Timeout {
            label: "after continue".into(),
        };
        ctx.idle_timeout(Duration::from_millis(10), info);
    }

    /// Arms a timer to the server itself.
    #[call]
    fn arm(&mut self, millis: u64, ctx: &mut Context<Self>) -> TimerRef {
        let info = IdlerInfo::Noted {
            text: "timer".into(),
        };
        ctx.send_after(Duration::from_millis(millis), info)
    }

    /// Works for `millis`, then waits idle for `idle` if given.
    #[cast]
    async fn busy(&mut self, millis: u64, idle: Option<u64>, ctx: &mut Context<Self>) {
        sleep(Duration::from_millis(millis)).await;
        if let Some(idle) = idle {
            let info = IdlerInfo::Timeout {
                label: "after busy".into(),
            };
            ctx.idle_timeout(Duration::from_millis(idle), info);
        }
    }

    #[cast]
    fn note(&mut self, text: String) {
        self.log.push(text);
    }

    #[info]
    fn timeout(&mut self, label: String) {
        let at = self.started.elapsed().as_millis();
        self.log.push(format!("timeout {label} at {at}"));
    }

    #[info]
    fn noted(&mut self, text: String) {
        self.log.push(text);
    }
}

async fn idler(idle_millis: Option<u64>) -> (ServerRef<Idler>, Log) {
    let log = Log::default();
    (Idler::start(log.clone(), idle_millis).await.unwrap(), log)
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_fires_its_message_when_nothing_arrives() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    server.idle(50, "cast".into()).unwrap();
    sleep(Duration::from_millis(49)).await;
    assert!(log.events().is_empty());
    sleep(Duration::from_millis(100)).await;
    assert_eq!(
        log.events(),
        ["timeout cast at 50"],
        "fires once, not again"
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_from_a_call_and_from_init() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(Some(20)).await;
    sleep(Duration::from_millis(30)).await;
    assert_eq!(server.idle_call(40).await.unwrap(), "ok");
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["timeout init at 20", "timeout call at 70"]);
}

#[tokio::test(start_paused = true)]
async fn any_message_that_arrives_first_cancels_it() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    server.idle(50, "cancelled".into()).unwrap();
    sleep(Duration::from_millis(30)).await;
    server.note("message".into()).unwrap();
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["message"]);

    // An info message cancels it too.
    server.idle(50, "cancelled again".into()).unwrap();
    sleep(Duration::from_millis(10)).await;
    server
        .send_info(IdlerInfo::Noted {
            text: "info".into(),
        })
        .unwrap();
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["message", "info"]);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_of_zero_loses_to_a_message_already_waiting() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    // Both casts are queued before the server runs: when the first one's
    // timeout of zero starts, the second is already waiting.
    server.idle(0, "zero".into()).unwrap();
    server.note("waiting".into()).unwrap();
    sleep(Duration::from_millis(10)).await;
    assert_eq!(log.events(), ["waiting"]);

    // With nothing waiting, it fires at once.
    server.idle(0, "zero".into()).unwrap();
    sleep(Duration::from_millis(10)).await;
    assert_eq!(log.events(), ["waiting", "timeout zero at 10"]);
}

#[tokio::test(start_paused = true)]
async fn a_continue_runs_before_the_wait_and_the_timeout_set_with_it_is_dropped() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    server.idle_then_continue().unwrap();
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["continued"]);
}

#[tokio::test(start_paused = true)]
async fn a_timer_cancelled_after_it_expired_does_not_cancel_the_idle_timeout() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    let timer = server.arm(5).await.unwrap();
    // One batch: the server finds the timer expired after the first (at 20)
    // and queues its token behind the second, which works until 40 and then
    // waits idle until 60.
    server.busy(20, None).unwrap();
    server.busy(20, Some(20)).unwrap();
    sleep(Duration::from_millis(30)).await;
    assert!(
        timer.cancel(),
        "expired, queued, not handled: still cancellable"
    );
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["timeout after busy at 60"]);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_hibernates_keeps_its_idle_timeout() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    server.hibernate_idle(30).unwrap();
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["timeout hibernated at 30"]);
}

#[tokio::test(start_paused = true)]
async fn a_continue_runs_before_hibernation_and_sets_the_idle_timeout() {
    let _watchdog = support::watchdog();
    let (server, log) = idler(None).await;
    server.hibernate_continue().unwrap();
    sleep(Duration::from_millis(100)).await;
    assert_eq!(log.events(), ["continued", "timeout after continue at 10"]);
}
