//! `genserver::sys` requests around a server's work: suspension, system
//! requests between messages (never seen by handlers, never ending an idle
//! wait), and every way a request can fail. Each test names the case of
//! OTP's `lib/stdlib/test/sys_SUITE.erl` or `gen_server_SUITE.erl` it
//! ports, where there is one.

#![allow(missing_docs)]

#[path = "support/store.rs"]
mod store;
mod support;

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use genserver::sys::{self, SysError};
use store::{LIMIT, Store, StoreInfo, send, store};
use support::within;
use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep};
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
