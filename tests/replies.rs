//! Deferred and early replies (`{:noreply, state}` then `GenServer.reply/2`),
//! and stopping from a handler, with and without a reply
//! (`{:stop, reason, reply, state}`, `{:stop, reason, state}`). Ported from
//! `gen_server_SUITE`'s `call` (`delayed_answer`), `cast` and `info` stop
//! clauses, and the `{stop, Reason, Reply, State}` path of `gen_server.erl`,
//! which replies after `terminate`, even when `terminate` crashes.

#![allow(missing_docs)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use support::{Log, within};
use tokio::time::sleep;

struct Barrier {
    log: Log,
    waiting: Vec<ReplyTo<usize>>,
    kept: Vec<ReplyTo<Arc<()>>>,
    size: usize,
    panic_in_terminate: bool,
}

#[gen_server]
impl Barrier {
    #[init]
    fn init(log: Log, size: usize) -> Self {
        Barrier {
            log,
            waiting: Vec::new(),
            kept: Vec::new(),
            size,
            panic_in_terminate: false,
        }
    }

    /// Answers every caller once `size` have arrived: each gets the count.
    #[call]
    fn arrive(&mut self, reply: ReplyTo<usize>) {
        self.waiting.push(reply);
        if self.waiting.len() == self.size {
            let count = self.waiting.len();
            for reply in self.waiting.drain(..) {
                let _ = reply.send(count);
            }
        }
    }

    /// Hands the reply slot to a task that answers later.
    #[call]
    fn later(&mut self, millis: u64, reply: ReplyTo<String>) {
        tokio::spawn(async move {
            sleep(Duration::from_millis(millis)).await;
            let _ = reply.send(format!("after {millis} ms"));
        });
    }

    /// Hands the reply slot to another server, which answers it.
    #[call]
    fn forward(&mut self, to: ServerRef<Echo>, reply: ReplyTo<String>) {
        to.answer(reply).unwrap();
    }

    /// Answers at once, then goes on working.
    #[call]
    async fn early(&mut self, reply: ReplyTo<&'static str>) {
        let _ = reply.send("early");
        sleep(Duration::from_millis(50)).await;
        self.log.push("worked on after replying");
    }

    /// Never answers: the slot is dropped with the message.
    #[call]
    fn never(&mut self, _reply: ReplyTo<()>) {}

    /// Keeps the slot, to answer it with `answer_kept`.
    #[call]
    fn keep(&mut self, reply: ReplyTo<Arc<()>>) {
        self.kept.push(reply);
    }

    /// Answers the kept slots; returns how many callers still waited.
    #[call]
    fn answer_kept(&mut self, value: Arc<()>) -> usize {
        self.kept
            .drain(..)
            .filter_map(|reply| reply.send(Arc::clone(&value)).ok())
            .count()
    }

    /// `{:stop, reason, reply, state}`.
    #[call]
    fn stop_with_reply(&mut self, panic: bool, ctx: &mut Context<Self>) -> String {
        self.panic_in_terminate = panic;
        assert!(!ctx.is_stopping());
        ctx.stop(ExitReason::shutdown("asked"));
        assert!(ctx.is_stopping());
        self.log.push("handler returned");
        "bye".into()
    }

    /// The deferred form: the slot answered after `terminate`.
    #[call]
    fn stop_later(&mut self, reply: ReplyTo<String>, ctx: &mut Context<Self>) {
        ctx.stop_with_reply(ExitReason::Normal, reply, "bye later".into());
    }

    /// `{:stop, reason, state}` from a cast.
    #[cast]
    fn stop_cast(&mut self, reason: String, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::custom(reason));
    }

    /// `{:stop, reason, state}` from an info message.
    #[info]
    fn stop_info(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
    }

    /// Yields first, so that a reply sent before it ran would reach the
    /// caller before the log shows it.
    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        tokio::task::yield_now().await;
        self.log.push(format!("terminate: {reason}"));
        assert!(!self.panic_in_terminate, "terminate failed");
    }
}

struct Echo;

#[gen_server]
impl Echo {
    #[cast]
    fn answer(&mut self, reply: ReplyTo<String>) {
        let _ = reply.send("from another server".into());
    }
}

async fn barrier(size: usize) -> (ServerRef<Barrier>, Log) {
    let log = Log::default();
    (Barrier::start(log.clone(), size).await.unwrap(), log)
}

#[tokio::test]
async fn deferred_replies_answer_every_caller_when_the_last_arrives() {
    let _watchdog = support::watchdog();
    let (server, _) = barrier(3).await;
    let (a, b, c) = tokio::join!(server.arrive(), server.arrive(), server.arrive());
    assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (3, 3, 3));
}

#[tokio::test(start_paused = true)]
async fn a_reply_slot_answered_from_another_task() {
    let _watchdog = support::watchdog();
    let (server, _) = barrier(1).await;
    // The server is free meanwhile.
    let (late, arrived) = tokio::join!(server.later(100), server.arrive());
    assert_eq!(late.unwrap(), "after 100 ms");
    assert_eq!(arrived.unwrap(), 1);
}

#[tokio::test]
async fn a_reply_slot_answered_by_another_server() {
    let _watchdog = support::watchdog();
    let (server, _) = barrier(1).await;
    let echo = Echo::start(Echo).await.unwrap();
    assert_eq!(server.forward(echo).await.unwrap(), "from another server");
}

#[tokio::test(start_paused = true)]
async fn an_early_reply_lets_the_caller_go_while_the_server_works_on() {
    let _watchdog = support::watchdog();
    let (server, log) = barrier(1).await;
    assert_eq!(server.early().await.unwrap(), "early");
    assert!(log.events().is_empty(), "the server is still working");
    server.arrive().await.unwrap();
    assert_eq!(log.events(), ["worked on after replying"]);
}

#[tokio::test(start_paused = true)]
async fn a_reply_that_never_comes_times_out_and_leaks_nothing() {
    let _watchdog = support::watchdog();
    let (server, _) = barrier(2).await;
    let error = server.keep().timeout(Duration::from_millis(100)).await;
    assert_eq!(error.unwrap_err(), CallError::Timeout);
    // The slot is still held by the server: answering it late drops the reply.
    let value = Arc::new(());
    assert_eq!(server.answer_kept(Arc::clone(&value)).await.unwrap(), 0);
    assert_eq!(Arc::strong_count(&value), 1, "the late reply was dropped");

    // A slot dropped without an answer: the caller waits until its timeout.
    let error = server.never().timeout(Duration::from_millis(100)).await;
    assert_eq!(error.unwrap_err(), CallError::Timeout);
    assert!(server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_dropped_reply_slot_gives_the_exit_reason_once_the_server_stops() {
    let _watchdog = support::watchdog();
    let (server, _) = barrier(2).await;
    let waiting = tokio::spawn({
        let server = server.clone();
        async move { server.arrive().no_timeout().await }
    });
    sleep(Duration::from_millis(10)).await;
    server.stop_cast("gone".into()).unwrap();
    let error = waiting.await.unwrap().unwrap_err();
    assert_eq!(error, CallError::Exit(ExitReason::custom("gone")));
}

#[tokio::test]
async fn stop_with_a_reply_runs_terminate_before_the_reply() {
    let _watchdog = support::watchdog();
    let (server, log) = barrier(2).await;
    // Two tasks, run in the order spawned: the calls are sent in that order.
    // The first one's reply comes with the log as it stood on its arrival.
    let stopping = tokio::spawn({
        let (server, log) = (server.clone(), log.clone());
        async move {
            let reply = server.stop_with_reply(false).await;
            (reply, log.events())
        }
    });
    let queued = tokio::spawn({
        let server = server.clone();
        async move { server.arrive().await }
    });
    let (reply, events) = stopping.await.unwrap();
    assert_eq!(events, ["handler returned", "terminate: shutdown: asked"]);
    assert_eq!(reply.unwrap(), "bye");
    assert_eq!(
        queued.await.unwrap().unwrap_err(),
        CallError::Exit(ExitReason::shutdown("asked")),
        "callers queued behind get the stop reason"
    );
    let exited = within(Duration::from_secs(5), "the server's exit", server.exited()).await;
    assert_eq!(exited, ExitReason::shutdown("asked"));
}

#[tokio::test]
async fn the_reply_is_sent_even_if_terminate_panics() {
    let _watchdog = support::watchdog();
    let (server, log) = barrier(1).await;
    let reply = server.stop_with_reply(true).await;
    assert_eq!(
        log.events(),
        ["handler returned", "terminate: shutdown: asked"]
    );
    assert_eq!(reply.unwrap(), "bye");
    let exited = within(Duration::from_secs(5), "the server's exit", server.exited()).await;
    assert_eq!(exited, ExitReason::Panic("terminate failed".into()));
}

#[tokio::test]
async fn a_deferred_reply_after_terminate() {
    let _watchdog = support::watchdog();
    let (server, log) = barrier(1).await;
    let reply = server.stop_later().await;
    assert_eq!(log.events(), ["terminate: normal"]);
    assert_eq!(reply.unwrap(), "bye later");
}

#[tokio::test]
async fn stop_from_a_cast_and_from_an_info_message() {
    let _watchdog = support::watchdog();
    let (server, log) = barrier(1).await;
    server.stop_cast("done".into()).unwrap();
    assert_eq!(
        within(Duration::from_secs(5), "the server's exit", server.exited()).await,
        ExitReason::custom("done")
    );
    assert_eq!(log.events(), ["terminate: done"]);

    let (server, log) = barrier(1).await;
    server.send_info(BarrierInfo::StopInfo).unwrap();
    assert_eq!(
        within(Duration::from_secs(5), "the server's exit", server.exited()).await,
        ExitReason::Shutdown
    );
    assert_eq!(log.events(), ["terminate: shutdown"]);
    let refused = server.send_info(BarrierInfo::StopInfo).unwrap_err();
    assert!(refused.is_no_proc());
    assert!(matches!(refused.into_message(), BarrierInfo::StopInfo));
}
