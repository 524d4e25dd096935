//! `genserver::sys`, Erlang's `:sys`, on one server at a time: its state,
//! status, suspension, traces and statistics, and every way a request can
//! fail. Each test names the case of OTP's `lib/stdlib/test/sys_SUITE.erl`
//! or `gen_server_SUITE.erl` it ports, where there is one.

#![allow(missing_docs)]

#[path = "support/recorder.rs"]
mod recorder;
mod support;

use std::collections::BTreeMap;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use genserver::prelude::*;
use genserver::sys::{self, SysError};
use recorder::Recorder;
use support::{Log, unique_name, within};
use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep};

const LIMIT: Duration = Duration::from_secs(5);

/// A key-value store whose handlers log what they handle.
#[derive(Clone, Debug, Default)]
struct Store {
    map: BTreeMap<String, u64>,
    log: Log,
}

#[gen_server]
impl Store {
    #[cast]
    fn put(&mut self, key: String, value: u64) {
        self.log.push(format!("put {key}"));
        self.map.insert(key, value);
    }

    #[call]
    fn get(&mut self, key: String) -> Option<u64> {
        self.log.push(format!("get {key}"));
        self.map.get(&key).copied()
    }

    #[info]
    fn tick(&mut self) {
        self.log.push("tick");
    }

    #[cast]
    fn crash(&mut self) {
        panic!("the store crashed");
    }

    #[cast]
    fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    /// Blocks the server, without blocking its thread, until `gate` opens.
    #[cast]
    async fn wait(&mut self, gate: Arc<Notify>) {
        gate.notified().await;
    }

    /// `:sys.get_state(self())` from inside the server.
    #[call]
    async fn ask_self(&mut self, ctx: &mut Context<Self>) -> Result<String, SysError> {
        sys::format_state(&ctx.handle()).await
    }

    /// `{:noreply, state, millis}`: `Idled` comes if nothing does first.
    #[cast]
    fn idle(&mut self, millis: u64, to: mpsc::UnboundedSender<Instant>, ctx: &mut Context<Self>) {
        ctx.idle_timeout(Duration::from_millis(millis), StoreInfo::Idled { to });
    }

    #[info]
    fn idled(&mut self, to: mpsc::UnboundedSender<Instant>) {
        let _ = to.send(Instant::now());
    }
}

async fn store() -> (ServerRef<Store>, Log) {
    let store = Store::default();
    let log = store.log.clone();
    (
        within(LIMIT, "the start of Store", Store::start(store))
            .await
            .unwrap(),
        log,
    )
}

/// Sends `call` (a call is sent on its first poll) and leaves it waiting.
async fn send<F: Future + Unpin>(call: &mut F) {
    tokio::select! {
        biased;
        _ = call => panic!("answered at once"),
        () = async {} => {}
    }
}

/// `gen_server_SUITE: get_state`, as text: a derived `Debug`, through a
/// typed handle and through an `AnyRef`.
#[tokio::test]
async fn format_state_shows_a_derived_debug() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    server.put("a".into(), 1).unwrap();
    let shown = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert!(
        shown.starts_with(r#"Store { map: {"a": 1}, log: "#),
        "{shown}"
    );
    let any = AnyRef::from(server.clone());
    assert_eq!(
        within(LIMIT, "the reply to format_state", sys::format_state(&any)).await,
        Ok(shown)
    );
}

/// `gen_server_SUITE: get_state` and `replace_state`, crashing fun
/// included, and `sys_SUITE: special_process`'s get/replace round trip.
#[tokio::test]
async fn get_state_and_replace_state() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    server.put("a".into(), 1).unwrap();
    let mut copy = within(LIMIT, "the reply to get_state", sys::get_state(&server))
        .await
        .unwrap();
    assert_eq!(copy.map, BTreeMap::from([("a".into(), 1)]));
    copy.map.insert("b".into(), 2);
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("b".into())).await,
        Ok(None),
        "a clone"
    );

    let replace = |state: &Store| {
        let mut state = state.clone();
        state.map.insert("a".into(), 10);
        state
    };
    within(
        LIMIT,
        "the reply to replace_state",
        sys::replace_state(&server, replace),
    )
    .await
    .unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(10))
    );

    // A replace function that crashes leaves the state as it was.
    let crash = |_: &Store| -> Store { panic!("no new state") };
    let replaced = within(
        LIMIT,
        "the reply to replace_state",
        sys::replace_state(&server, crash),
    )
    .await;
    assert!(
        matches!(&replaced, Err(SysError::Panicked(message)) if &**message == "no new state"),
        "{replaced:?}"
    );
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(10))
    );
    assert!(server.is_alive());
}

/// `:sys.get_status/1`.
#[tokio::test]
async fn get_status() {
    let _watchdog = support::watchdog();
    let name = unique_name("sys-status");
    let server = Store::start_named(name.clone(), Store::default())
        .await
        .unwrap();
    let before = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    for n in 0..3 {
        server.put(format!("k{n}"), n).unwrap();
    }
    let status = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    assert_eq!(status.id, server.id());
    assert_eq!(status.name.as_deref(), Some(&*name));
    assert_eq!(status.type_name, std::any::type_name::<Store>());
    assert!(!status.suspended && !status.traced);
    assert_eq!(status.mailbox_len, 0);
    // The three casts: system requests are not messages.
    assert_eq!(status.messages_in - before.messages_in, 3);
    assert!(status.uptime > before.uptime, "{status:?} {before:?}");
    assert!(status.uptime > Duration::ZERO);
    assert_eq!(status.parent, None);
    let state = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert_eq!(status.state, state);
    assert!(state.contains(r#""k2": 2"#), "{state}");
}

/// `sys_SUITE: suspend` (twice is no error, and so is resuming twice), with
/// `gen_server_SUITE: get_state` and `replace_state` on a suspended server.
#[tokio::test(start_paused = true)]
async fn suspend_resume() {
    let _watchdog = support::watchdog();
    let (server, log) = store().await;
    within(LIMIT, "the reply to suspend", sys::suspend(&server))
        .await
        .unwrap();
    within(LIMIT, "the reply to suspend", sys::suspend(&server))
        .await
        .unwrap();
    server.put("a".into(), 1).unwrap();
    server.send_info(StoreInfo::Tick).unwrap();
    let call = server.get("a".into()).timeout(Duration::from_millis(50));
    assert_eq!(
        within(LIMIT, "the call's outcome", call).await,
        Err(CallError::Timeout)
    );

    let status = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    assert!(status.suspended);
    assert_eq!(
        (status.mailbox_len, status.messages_in),
        (3, 0),
        "the cast, the info and the call wait, not yet taken"
    );
    let listed = sys::processes().into_iter().find(|p| p.id == server.id());
    assert!(listed.is_some_and(|p| p.suspended && p.mailbox_len == 3));
    let state = within(LIMIT, "the reply to get_state", sys::get_state(&server))
        .await
        .unwrap();
    assert!(state.map.is_empty());
    let replace = |state: &Store| {
        let mut state = state.clone();
        state.map.insert("z".into(), 26);
        state
    };
    within(
        LIMIT,
        "the reply to replace_state",
        sys::replace_state(&server, replace),
    )
    .await
    .unwrap();
    assert!(log.events().is_empty(), "nothing handled while suspended");

    within(LIMIT, "the reply to resume", sys::resume(&server))
        .await
        .unwrap();
    within(LIMIT, "the reply to resume", sys::resume(&server))
        .await
        .unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("z".into())).await,
        Ok(Some(26))
    );
    assert_eq!(
        log.events(),
        ["put a", "tick", "get a", "get z"],
        "in order"
    );
    let status = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    assert!(!status.suspended);
    assert_eq!((status.mailbox_len, status.messages_in), (0, 4));
}

/// A suspended server obeys a stop at once, without handling what waits;
/// a call that waited gets the exit reason.
#[tokio::test]
async fn a_stop_while_suspended_stops_at_once() {
    let _watchdog = support::watchdog();
    let (server, log) = store().await;
    within(LIMIT, "the reply to suspend", sys::suspend(&server))
        .await
        .unwrap();
    server.put("a".into(), 1).unwrap();
    let mut call = std::pin::pin!(server.get("a".into()));
    send(&mut call).await;
    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    assert_eq!(server.exit_reason(), Some(ExitReason::Normal));
    assert_eq!(
        within(LIMIT, "the call's outcome", call).await,
        Err(CallError::Exit(ExitReason::Normal))
    );
    assert!(log.events().is_empty(), "{:?}", log.events());
}

/// A suspended server that no handle reaches any more cannot be resumed:
/// it handles what waited, in order, then stops, as an unreachable server
/// does with its mailbox. Nothing accepted is dropped unhandled.
#[tokio::test]
async fn an_unreachable_suspended_server_handles_what_waited_then_stops() {
    let _watchdog = support::watchdog();
    let (server, log) = store().await;
    within(LIMIT, "the reply to suspend", sys::suspend(&server))
        .await
        .unwrap();
    server.put("a".into(), 1).unwrap();
    server.put("b".into(), 2).unwrap();
    let down = server.monitor();
    drop(server);
    assert_eq!(
        within(LIMIT, "the task `down`", down).await.reason,
        ExitReason::Normal
    );
    assert_eq!(log.events(), ["put a", "put b"]);
}

/// System requests do not end an idle wait: the idle message comes at the
/// deadline set before them.
#[tokio::test(start_paused = true)]
async fn system_requests_do_not_cancel_an_idle_timeout() {
    let _watchdog = support::watchdog();
    let (server, log) = store().await;
    let (to, mut idled) = mpsc::unbounded_channel();
    let start = Instant::now();
    server.idle(100, to).unwrap();
    sleep(Duration::from_millis(30)).await;
    within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, true),
    )
    .await
    .unwrap();
    sleep(Duration::from_millis(30)).await;
    within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    within(
        LIMIT,
        "the reply to get_statistics",
        sys::get_statistics(&server),
    )
    .await
    .unwrap();
    let at = within(LIMIT, "an event", idled.recv()).await.unwrap();
    assert_eq!((at - start).as_millis(), 100);
    assert!(log.events().is_empty());
}

/// User handlers never see system requests.
#[tokio::test]
async fn system_requests_are_not_seen_by_handlers() {
    let _watchdog = support::watchdog();
    let (server, log) = store().await;
    server.put("a".into(), 1).unwrap();
    within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    within(LIMIT, "the reply to get_state", sys::get_state(&server))
        .await
        .unwrap();
    within(
        LIMIT,
        "the reply to replace_state",
        sys::replace_state(&server, Store::clone),
    )
    .await
    .unwrap();
    within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, true),
    )
    .await
    .unwrap();
    within(
        LIMIT,
        "the reply to get_statistics",
        sys::get_statistics(&server),
    )
    .await
    .unwrap();
    within(LIMIT, "the reply to trace", sys::trace(&server, true))
        .await
        .unwrap();
    within(LIMIT, "the reply to trace", sys::trace(&server, false))
        .await
        .unwrap();
    within(LIMIT, "the reply to suspend", sys::suspend(&server))
        .await
        .unwrap();
    within(LIMIT, "the reply to resume", sys::resume(&server))
        .await
        .unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(1))
    );
    assert_eq!(log.events(), ["put a", "get a"]);
}

/// `sys_SUITE: trace`: each message in and each reply out is an event;
/// none once tracing is off.
#[tokio::test]
async fn trace() {
    let _watchdog = support::watchdog();
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.subscriber());
    let (server, _) = store().await;
    let traced = async || {
        within(LIMIT, "the reply to get_status", sys::get_status(&server))
            .await
            .unwrap()
            .traced
    };
    assert!(!traced().await);
    within(LIMIT, "the reply to trace", sys::trace(&server, true))
        .await
        .unwrap();
    assert!(
        within(LIMIT, "the reply to get_status", sys::get_status(&server))
            .await
            .unwrap()
            .traced
    );
    server.put("a".into(), 1).unwrap();
    server.send_info(StoreInfo::Tick).unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(1))
    );
    within(LIMIT, "the reply to trace", sys::trace(&server, false))
        .await
        .unwrap();
    assert!(!traced().await);
    server.put("b".into(), 2).unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("b".into())).await,
        Ok(Some(2))
    );
    let events: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|event| event.target == "genserver::trace")
        .collect();
    let expected = [
        ("request", r#"Put { key: "a", value: 1 }"#),
        ("request", "Tick"),
        ("request", r#"Get { key: "a", .. }"#),
        ("reply", "Some(1)"),
    ];
    assert_eq!(events.len(), expected.len(), "{events:#?}");
    for (event, (field, shown)) in events.iter().zip(expected) {
        assert_eq!(event.level, tracing::Level::INFO, "{event:?}");
        assert_eq!(event.field(field), Some(shown), "{event:?}");
        assert_eq!(event.spans[0].field("id"), Some(&*server.id().to_string()));
    }
}

/// `sys_SUITE: stats`.
#[tokio::test]
async fn statistics() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    assert_eq!(
        within(
            LIMIT,
            "the reply to get_statistics",
            sys::get_statistics(&server)
        )
        .await,
        Ok(None)
    );
    let before = SystemTime::now();
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, true),
    )
    .await
    .unwrap();
    server.put("a".into(), 1).unwrap();
    server.send_info(StoreInfo::Tick).unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(1))
    );
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("b".into())).await,
        Ok(None)
    );
    let stats = within(
        LIMIT,
        "the reply to get_statistics",
        sys::get_statistics(&server),
    )
    .await;
    let stats = stats.unwrap().expect("collected");
    assert_eq!((stats.messages_in, stats.messages_out), (4, 2));
    assert!(stats.since >= before && stats.since <= SystemTime::now());
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, false),
    )
    .await
    .unwrap();
    assert_eq!(
        within(
            LIMIT,
            "the reply to get_statistics",
            sys::get_statistics(&server)
        )
        .await,
        Ok(None)
    );
    // Turned on again, it counts from zero.
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, true),
    )
    .await
    .unwrap();
    let stats = within(
        LIMIT,
        "the reply to get_statistics",
        sys::get_statistics(&server),
    )
    .await;
    let stats = stats.unwrap().expect("collected");
    assert_eq!((stats.messages_in, stats.messages_out), (0, 0));
}

/// Every request to a server that has stopped is `NoProc`.
#[tokio::test]
async fn every_request_to_a_stopped_server_is_noproc() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    let no_proc = Err(SysError::NoProc);
    assert_eq!(sys::format_state(&server).await, Err(SysError::NoProc));
    assert!(matches!(
        sys::get_state(&server).await,
        Err(SysError::NoProc)
    ));
    assert_eq!(sys::replace_state(&server, Store::clone).await, no_proc);
    assert!(matches!(
        sys::get_status(&server).await,
        Err(SysError::NoProc)
    ));
    assert_eq!(sys::suspend(&server).await, no_proc);
    assert_eq!(sys::resume(&server).await, no_proc);
    assert_eq!(sys::trace(&server, true).await, no_proc);
    assert_eq!(sys::statistics(&server, true).await, no_proc);
    assert_eq!(sys::get_statistics(&server).await, Err(SysError::NoProc));
    let any = AnyRef::from(server.clone());
    assert_eq!(sys::format_state(&any).await, Err(SysError::NoProc));
}

/// A server that does not answer in time: `Timeout` after `sys::TIMEOUT`;
/// it answers again once unblocked.
#[tokio::test(start_paused = true)]
async fn a_request_to_a_blocked_server_times_out() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    let gate = Arc::new(Notify::new());
    server.wait(Arc::clone(&gate)).unwrap();
    let start = Instant::now();
    let answer = within(
        2 * sys::TIMEOUT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await;
    assert_eq!(answer, Err(SysError::Timeout));
    let waited = start.elapsed();
    assert!(waited >= sys::TIMEOUT && waited < sys::TIMEOUT + Duration::from_millis(10));
    gate.notify_one();
    assert!(
        within(
            LIMIT,
            "the reply to format_state",
            sys::format_state(&server)
        )
        .await
        .is_ok()
    );
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(None)
    );
}

/// A server asking itself is refused at once instead of waiting for ever.
#[tokio::test]
async fn a_request_to_itself_is_calling_self() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    assert_eq!(
        within(LIMIT, "the reply to ask_self", server.ask_self()).await,
        Ok(Err(SysError::CallingSelf))
    );
    assert!(server.is_alive());
}

/// A request queued behind a message that stops the server gets the
/// reason it stopped with.
#[tokio::test]
async fn a_request_queued_behind_a_stop_gets_the_exit_reason() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    server.quit(ExitReason::custom("quit")).unwrap();
    let answer = within(LIMIT, "the reply to get_status", sys::get_status(&server)).await;
    assert_eq!(
        answer.unwrap_err(),
        SysError::Exit(ExitReason::custom("quit"))
    );

    let (server, _) = store().await;
    server.crash().unwrap();
    let answer = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await;
    let panic = ExitReason::Panic("the store crashed".into());
    assert_eq!(answer, Err(SysError::Exit(panic)));
}
