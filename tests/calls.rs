//! Calls: replies, timeouts, `NoProc`, `CallingSelf`, and what a call costs a
//! server that answers late.

#![allow(missing_docs)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use genserver::prelude::*;
use support::unique_name;

#[derive(Debug, Default)]
struct Slow {
    token: Arc<()>,
    handled: u64,
}

#[gen_server]
impl Slow {
    /// Replies after `millis`, with a clone of the server's token.
    #[call]
    async fn after(&mut self, millis: u64) -> Arc<()> {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        self.handled += 1;
        Arc::clone(&self.token)
    }

    #[call]
    fn handled(&self) -> u64 {
        self.handled
    }

    #[cast]
    fn noop(&mut self) {}
}

#[tokio::test]
async fn a_call_times_out_promptly_and_the_server_answers_the_next_call() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    let started = Instant::now();
    let result = server.after(300).timeout(Duration::from_millis(20)).await;
    assert_eq!(result.unwrap_err(), CallError::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "took {:?}",
        started.elapsed()
    );
    // The server was not affected: it finishes the slow request, then this one.
    assert_eq!(server.handled().await.unwrap(), 1);
}

#[tokio::test]
async fn a_late_reply_is_dropped_and_leaks_nothing() {
    let _watchdog = support::watchdog();
    let state = Slow::default();
    let token = Arc::clone(&state.token);
    let server = Slow::start(state).await.unwrap();
    assert_eq!(Arc::strong_count(&token), 2); // ours and the server's

    let late = server.after(50).timeout(Duration::from_millis(5)).await;
    assert_eq!(late.unwrap_err(), CallError::Timeout);
    // Once the server has handled the late request, its reply must be gone.
    assert_eq!(server.handled().await.unwrap(), 1);
    assert_eq!(
        Arc::strong_count(&token),
        2,
        "the late reply was kept somewhere"
    );

    server.stop().await.unwrap();
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "the server's state was not dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn the_default_timeout_is_five_seconds_and_no_timeout_waits() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(server.after(6_000).await.unwrap_err(), CallError::Timeout);
    assert_eq!(started.elapsed(), Duration::from_secs(5));

    // The server is still busy with that request for one more second.
    let started = tokio::time::Instant::now();
    server.after(10_000).no_timeout().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(11));
}

#[tokio::test]
async fn calls_after_stop_fail_with_noproc_at_once() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    server.stop().await.unwrap();
    let started = Instant::now();
    assert_eq!(server.handled().await.unwrap_err(), CallError::NoProc);
    assert_eq!(
        server
            .handled()
            .timeout(Duration::from_mins(1))
            .await
            .unwrap_err(),
        CallError::NoProc
    );
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "took {:?}",
        started.elapsed()
    );
    assert!(!server.is_alive());
}

#[tokio::test]
async fn a_call_by_an_unknown_name_fails_with_noproc() {
    let _watchdog = support::watchdog();
    let started = Instant::now();
    let missing = ServerRef::<Slow>::by_name("never-registered");
    assert_eq!(missing.unwrap_err(), CallError::NoProc);
    assert!(genserver::whereis::<Slow>("never-registered").is_none());
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[tokio::test]
async fn a_cast_to_a_stopped_server_fails_without_panicking_and_gives_the_message_back() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    server.stop().await.unwrap();
    let error = server.noop().unwrap_err();
    assert_eq!(error.to_string(), "no process: the server is not running");
    assert!(matches!(error.into_message(), SlowMsg::Noop {}));
}

/// A server that calls (and stops) itself through the registry.
#[derive(Debug)]
struct Narcissus {
    name: String,
}

#[gen_server]
impl Narcissus {
    #[call]
    async fn call_myself(&mut self) -> Result<u64, CallError> {
        let me = ServerRef::<Narcissus>::by_name(&self.name)?;
        me.value().await
    }

    #[call]
    async fn stop_myself(&mut self) -> Result<(), StopError> {
        let me = genserver::whereis::<Narcissus>(&self.name).expect("registered");
        me.stop().await
    }

    #[call]
    fn value(&self) -> u64 {
        1
    }
}

#[tokio::test]
async fn a_server_calling_itself_gets_calling_self_instead_of_a_deadlock() {
    let _watchdog = support::watchdog();
    let name = unique_name("narcissus");
    let server = Narcissus::start_named(&name, Narcissus { name: name.clone() })
        .await
        .unwrap();
    let started = Instant::now();
    let inner = server
        .call_myself()
        .timeout(Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(inner.unwrap_err(), CallError::CallingSelf);
    let inner = server
        .stop_myself()
        .timeout(Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(inner.unwrap_err(), StopError::CallingSelf);
    assert!(started.elapsed() < Duration::from_millis(500));
    // Still serving.
    assert_eq!(server.value().await.unwrap(), 1);
}

#[tokio::test]
async fn a_dropped_call_future_sends_nothing() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    drop(server.after(0));
    assert_eq!(server.handled().await.unwrap(), 0);
}

#[test]
fn handles_and_calls_are_send_and_sync() {
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    fn send<T: Send>(_: &T) {}

    let _watchdog = support::watchdog();
    send_sync_clone::<ServerRef<Slow>>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Slow::start(Slow::default()).await.unwrap();
        let call = server.handled();
        send(&call);
        assert_eq!(call.await.unwrap(), 0);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_times_out_on_a_multi_thread_runtime_while_the_server_is_busy() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    // One slow request keeps the server busy on a worker; the calls queued
    // behind it must give up at their deadline, not when it finishes.
    let busy = tokio::spawn({
        let server = server.clone();
        async move { server.after(500).no_timeout().await.map(|_| ()) }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let started = Instant::now();
    let mut waiting = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let server = server.clone();
        waiting.spawn(async move { server.handled().timeout(Duration::from_millis(30)).await });
    }
    while let Some(result) = waiting.join_next().await {
        assert_eq!(result.unwrap().unwrap_err(), CallError::Timeout);
    }
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "took {:?}",
        started.elapsed()
    );
    busy.await.unwrap().unwrap();
    assert_eq!(server.handled().await.unwrap(), 1);
}

#[tokio::test]
async fn messages_built_by_hand_go_through_server_ref_call_and_cast() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    // A cast of a message value built by the caller.
    server.cast(SlowMsg::Noop {}).unwrap();
    // A call whose message is built around its reply slot.
    let handled = server
        .call(|reply_to: genserver::ReplyTo<u64>| {
            assert!(!reply_to.is_closed(), "the caller is waiting");
            SlowMsg::Handled { reply_to }
        })
        .await
        .unwrap();
    assert_eq!(handled, 0);
    server.stop().await.unwrap();
    let refused = server.cast(SlowMsg::Noop {}).unwrap_err();
    assert!(matches!(refused.into_message(), SlowMsg::Noop {}));
    assert_eq!(
        server
            .call(|reply_to| SlowMsg::Handled { reply_to })
            .await
            .unwrap_err(),
        CallError::NoProc
    );
}

#[test]
fn a_reply_to_a_caller_that_stopped_waiting_comes_back() {
    let _watchdog = support::watchdog();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Slow::start(Slow::default()).await.unwrap();
        let mut slot = None;
        // Build the call, keep its reply slot, and drop the call unsent.
        drop(server.call(|reply_to: genserver::ReplyTo<u64>| {
            let message = SlowMsg::Noop {};
            slot = Some(reply_to);
            message
        }));
        let reply_to = slot.expect("the slot was built");
        assert!(reply_to.is_closed());
        assert_eq!(reply_to.send(7), Err(7));
        assert!(format!("{:?}", SlowMsg::Noop {}).contains("Noop"));
    });
}

/// On a runtime built without tokio's time driver, a call with a timeout
/// fails at once with `NoTimeDriver`, even one the server would answer in
/// its next turn (without the check, that one succeeded and a slower one
/// panicked), and sends nothing; a call without a timeout works. On both
/// kinds of runtime, one after the other on the same thread as a runtime
/// with the driver, where calls with a timeout work.
#[test]
fn a_timed_call_without_the_time_driver_fails_the_same_way_every_time() {
    let _watchdog = support::watchdog();
    let no_timers = [
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ];
    let with_timers = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    for runtime in &no_timers {
        runtime.block_on(async {
            let server = Slow::start(Slow::default()).await.unwrap();
            for _ in 0..3 {
                assert_eq!(server.handled().await, Err(CallError::NoTimeDriver));
            }
            assert_eq!(
                server.handled().no_timeout().await,
                Ok(0),
                "nothing was sent"
            );
            let error = server.handled().timeout(Duration::from_secs(1)).await;
            assert_eq!(error, Err(CallError::NoTimeDriver));
            assert!(error.unwrap_err().to_string().contains("no time driver"));
        });
        with_timers.block_on(async {
            let server = Slow::start(Slow::default()).await.unwrap();
            assert_eq!(server.handled().await, Ok(0));
        });
    }
}

/// An owned call fails as a borrowing one does: `NoProc` at once for a
/// stopped server, `Timeout` when no reply comes in time (the server is not
/// affected), and the spawned call's handle does not outlive the call.
#[tokio::test(start_paused = true)]
async fn an_owned_call_times_out_and_finds_a_stopped_server_as_a_borrowing_one_does() {
    let _watchdog = support::watchdog();
    let server = Slow::start(Slow::default()).await.unwrap();
    let late = tokio::spawn(
        server
            .after(1_000)
            .timeout(Duration::from_millis(10))
            .owned(),
    );
    assert_eq!(late.await.unwrap().unwrap_err(), CallError::Timeout);
    assert_eq!(server.handled().owned().await, Ok(1), "it went on");
    server.stop().await.unwrap();
    let refused = tokio::spawn(server.handled().owned());
    assert_eq!(refused.await.unwrap(), Err(CallError::NoProc));
}
