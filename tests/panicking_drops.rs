//! Panics the runtime meets outside handlers: in the destructor of a
//! message still queued when its server stops, and in panics whose payload
//! is not a string or panics again as it is dropped. Each stays inside the
//! server it happened in: the exit reason is the one OTP would give, and
//! every other server goes on.

#![allow(missing_docs)]

mod support;

#[path = "support/recorder.rs"]
mod recorder;

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use genserver::prelude::*;
use recorder::Recorder;
use support::{Log, watchdog, within};

const LIMIT: Duration = Duration::from_secs(5);

/// Panics when dropped.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("bomb went off");
    }
}

/// A panic payload that panics again when dropped.
struct BadPayload;

impl Drop for BadPayload {
    fn drop(&mut self) {
        panic!("the payload's drop panicked");
    }
}

struct Fragile {
    log: Log,
}

#[gen_server]
impl Fragile {
    #[call]
    fn ping(&self) -> u8 {
        1
    }

    /// Never handled in these tests: it waits behind a stop.
    #[cast]
    fn keep(&mut self, bomb: Bomb) {
        drop(bomb);
    }

    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
    }

    #[call]
    fn throw_number(&mut self) -> u8 {
        std::panic::panic_any(42_u32)
    }

    #[call]
    fn throw_bad_payload(&mut self) -> u8 {
        std::panic::panic_any(BadPayload)
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate: {reason}"));
    }
}

fn fragile(log: &Log) -> Fragile {
    Fragile { log: log.clone() }
}

/// A server stops with a message queued whose argument panics as it is
/// dropped: the runtime catches that panic and logs it as a crash of its
/// own, the server's end goes on as usual (its reason, a call queued behind
/// the stop getting it), and another server goes on. Recorded on a runtime
/// of its own, where the runtime's catch is the only one that reports.
#[test]
fn a_queued_message_that_panics_on_drop_is_reported_and_the_stop_completes() {
    let _watchdog = watchdog();
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        runtime.block_on(async {
            let log = Log::default();
            let server = Fragile::start(fragile(&log)).await.unwrap();
            let bystander = Fragile::start(fragile(&Log::default())).await.unwrap();
            server.quit().unwrap();
            server.keep(Bomb).unwrap();
            let mut queued = pin!(server.ping());
            std::future::poll_fn(|cx| {
                assert!(queued.as_mut().poll(cx).is_pending(), "sent, not answered");
                Poll::Ready(())
            })
            .await;
            let reason = within(LIMIT, "the server's exit", server.exited()).await;
            assert_eq!(reason, ExitReason::Shutdown);
            assert_eq!(
                within(LIMIT, "the queued call's outcome", queued).await,
                Err(CallError::Exit(ExitReason::Shutdown))
            );
            assert_eq!(log.events(), ["terminate: shutdown"]);
            assert_eq!(
                within(LIMIT, "the bystander's reply", bystander.ping()).await,
                Ok(1)
            );
        });
    });
    let reported: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|event| event.target == "genserver::crash")
        .map(|event| event.message)
        .collect();
    assert_eq!(
        reported,
        ["dropping the queued messages panicked: bomb went off"]
    );
}

/// A crash with a term that is not a string, as `erlang:error(42)` is:
/// `panic_any(42)` stops the server with a panic reason that says so,
/// which reaches the caller and `terminate`.
#[tokio::test]
async fn a_non_string_panic_payload_is_a_panic_reason_described() {
    let _watchdog = watchdog();
    let log = Log::default();
    let server = Fragile::start(fragile(&log)).await.unwrap();
    let expected = ExitReason::Panic("panic with a non-string payload".into());
    assert_eq!(
        within(LIMIT, "the reply to throw_number", server.throw_number()).await,
        Err(CallError::Exit(expected.clone()))
    );
    assert_eq!(
        within(LIMIT, "the server's exit", server.exited()).await,
        expected
    );
    assert_eq!(
        log.events(),
        ["terminate: panicked: panic with a non-string payload"]
    );
}

/// A panic whose payload panics again when the runtime drops it: the
/// second panic is swallowed, and the server ends as after any panic (its
/// `terminate` runs with the panic reason, not killed as if its task had
/// died), while another server goes on.
#[tokio::test]
async fn a_panic_payload_that_panics_on_drop_still_ends_the_server_as_a_panic() {
    let _watchdog = watchdog();
    let log = Log::default();
    let server = Fragile::start(fragile(&log)).await.unwrap();
    let bystander = Fragile::start(fragile(&Log::default())).await.unwrap();
    let expected = ExitReason::Panic("panic with a non-string payload".into());
    assert_eq!(
        within(
            LIMIT,
            "the reply to throw_bad_payload",
            server.throw_bad_payload()
        )
        .await,
        Err(CallError::Exit(expected.clone()))
    );
    assert_eq!(
        within(LIMIT, "the server's exit", server.exited()).await,
        expected
    );
    assert_eq!(
        log.events(),
        ["terminate: panicked: panic with a non-string payload"]
    );
    assert_eq!(
        within(LIMIT, "the bystander's reply", bystander.ping()).await,
        Ok(1)
    );
}
