//! `{:continue, arg}`: a continue runs before anything in the mailbox, even
//! a message the server sent itself in the same callback, and continues
//! chain. Ported from `gen_server_SUITE:continue/1`.

#![allow(missing_docs)]

mod support;

use genserver::prelude::*;
use std::time::Duration;

use support::{Log, eventually, within};

struct Continuer {
    log: Log,
}

#[gen_server]
impl Continuer {
    /// `init` that continues, after sending itself a message first.
    #[init]
    fn init(log: Log, continue_from_init: bool, ctx: &mut Context<Self>) -> Self {
        if continue_from_init {
            ctx.handle().send_info(ContinuerInfo::After).unwrap();
            ctx.continue_with(ContinuerInfo::Continue);
        }
        Continuer { log }
    }

    #[call]
    fn call_continue(&mut self, ctx: &mut Context<Self>) -> &'static str {
        ctx.handle().send_info(ContinuerInfo::After).unwrap();
        ctx.continue_with(ContinuerInfo::Continue);
        "ok"
    }

    #[call]
    fn call_noreply_continue(&mut self, reply: ReplyTo<&'static str>, ctx: &mut Context<Self>) {
        let _ = reply.send("ok");
        ctx.handle().send_info(ContinuerInfo::After).unwrap();
        ctx.continue_with(ContinuerInfo::Continue);
    }

    #[cast]
    fn cast_continue(&mut self, ctx: &mut Context<Self>) {
        ctx.handle().send_info(ContinuerInfo::After).unwrap();
        ctx.continue_with(ContinuerInfo::Continue);
    }

    #[cast]
    fn cast_chain(&mut self, ctx: &mut Context<Self>) {
        ctx.handle().send_info(ContinuerInfo::After).unwrap();
        ctx.continue_with(ContinuerInfo::Before);
    }

    #[cast]
    fn cast_continue_stop(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(ContinuerInfo::Stop);
    }

    #[info]
    fn info_continue(&mut self, ctx: &mut Context<Self>) {
        ctx.handle().send_info(ContinuerInfo::After).unwrap();
        ctx.continue_with(ContinuerInfo::Continue);
    }

    #[info]
    fn before(&mut self, ctx: &mut Context<Self>) {
        self.log.push("before_continue");
        ctx.continue_with(ContinuerInfo::Continue);
    }

    #[info]
    fn r#continue(&mut self) {
        self.log.push("continue");
    }

    #[info]
    fn after(&mut self) {
        self.log.push("after_continue");
    }

    #[info]
    fn stop(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::shutdown("from a continue"));
    }

    #[call]
    fn events(&self) -> Vec<String> {
        self.log.events()
    }
}

/// The log once it holds `n` events (a message a server sends itself may
/// come after the test's next call).
async fn events(log: &Log, n: usize) -> Vec<String> {
    eventually(Duration::from_secs(5), || log.events().len() >= n).await;
    log.events()
}

async fn started(from_init: bool) -> (ServerRef<Continuer>, Log) {
    let log = Log::default();
    let server = Continuer::start(log.clone(), from_init).await.unwrap();
    (server, log)
}

#[tokio::test]
async fn continue_from_init_runs_before_a_message_init_sent_itself() {
    let _watchdog = support::watchdog();
    let (server, _) = started(true).await;
    assert_eq!(
        server.events().await.unwrap(),
        ["continue", "after_continue"]
    );
}

#[tokio::test]
async fn continue_from_a_call_runs_before_a_message_the_call_sent() {
    let _watchdog = support::watchdog();
    let (server, _) = started(false).await;
    assert_eq!(server.call_continue().await.unwrap(), "ok");
    assert_eq!(
        server.events().await.unwrap(),
        ["continue", "after_continue"]
    );
}

#[tokio::test]
async fn continue_from_a_deferred_call_runs_before_a_message_the_call_sent() {
    let _watchdog = support::watchdog();
    let (server, _) = started(false).await;
    assert_eq!(server.call_noreply_continue().await.unwrap(), "ok");
    assert_eq!(
        server.events().await.unwrap(),
        ["continue", "after_continue"]
    );
}

#[tokio::test]
async fn continue_from_a_cast_runs_before_a_message_the_cast_sent() {
    let _watchdog = support::watchdog();
    let (server, log) = started(false).await;
    server.cast_continue().unwrap();
    assert_eq!(events(&log, 2).await, ["continue", "after_continue"]);
}

#[tokio::test]
async fn continue_from_an_info_runs_before_a_message_the_info_sent() {
    let _watchdog = support::watchdog();
    let (server, log) = started(false).await;
    server.send_info(ContinuerInfo::InfoContinue).unwrap();
    assert_eq!(events(&log, 2).await, ["continue", "after_continue"]);
}

#[tokio::test]
async fn continues_chain() {
    let _watchdog = support::watchdog();
    let (server, log) = started(false).await;
    server.cast_chain().unwrap();
    assert_eq!(
        events(&log, 3).await,
        ["before_continue", "continue", "after_continue"]
    );
}

#[tokio::test]
async fn a_continue_can_stop_the_server() {
    let _watchdog = support::watchdog();
    let (server, _) = started(false).await;
    server.cast_continue_stop().unwrap();
    assert_eq!(
        within(Duration::from_secs(5), "the server's exit", server.exited()).await,
        ExitReason::shutdown("from a continue")
    );
}
