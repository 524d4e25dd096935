//! A panic stops one server only: its callers get the panic message, its
//! `terminate` runs, its name is freed, and every other server goes on.

#![allow(missing_docs)]

mod support;

use std::time::Duration;

use genserver::prelude::*;
use support::{Log, unique_name};

#[derive(Debug)]
struct Fragile {
    log: Log,
    count: u64,
}

#[gen_server]
impl Fragile {
    /// Panics after a short wait, so that other calls queue up behind it.
    #[call]
    async fn explode_later(&mut self, message: String) -> u64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        panic!("{message}");
    }

    #[call]
    fn explode_now(&mut self) -> u64 {
        let values: Vec<u64> = Vec::new();
        values[3]
    }

    #[cast]
    fn explode_in_cast(&mut self) {
        panic!("cast went wrong");
    }

    #[call]
    fn count(&mut self) -> u64 {
        self.count += 1;
        self.count
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate: {reason}"));
    }
}

fn fragile(log: &Log) -> Fragile {
    Fragile {
        log: log.clone(),
        count: 0,
    }
}

#[tokio::test]
async fn the_caller_and_every_queued_caller_get_the_panic_message() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let name = unique_name("fragile");
    let server = Fragile::start_named(&name, fragile(&log)).await.unwrap();
    let bystander = Fragile::start(fragile(&Log::default())).await.unwrap();

    let (first, queued_a, queued_b) = tokio::join!(
        server.explode_later("kaboom".into()),
        server.count(),
        server.count(),
    );
    let expected = CallError::Exit(ExitReason::Panic("kaboom".into()));
    assert_eq!(first.unwrap_err(), expected);
    assert_eq!(queued_a.unwrap_err(), expected);
    assert_eq!(queued_b.unwrap_err(), expected);
    assert_eq!(
        expected.to_string(),
        "server exited before replying: panicked: kaboom"
    );

    // terminate ran with the reason, the name is free, later calls get NoProc.
    assert_eq!(log.events(), ["terminate: panicked: kaboom"]);
    assert!(genserver::whereis::<Fragile>(&name).is_none());
    assert_eq!(
        server.exit_reason(),
        Some(ExitReason::Panic("kaboom".into()))
    );
    assert_eq!(server.count().await.unwrap_err(), CallError::NoProc);
    let again = Fragile::start_named(&name, fragile(&Log::default()))
        .await
        .unwrap();
    assert_eq!(again.count().await.unwrap(), 1);

    // Another server is untouched.
    assert_eq!(bystander.count().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_sync_handler_reaches_its_caller_on_a_multi_thread_runtime() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Fragile::start(fragile(&log)).await.unwrap();
    let error = server.explode_now().await.unwrap_err();
    let message = error
        .exit_reason()
        .and_then(ExitReason::panic_message)
        .unwrap();
    assert!(message.contains("index out of bounds"), "{message}");
    assert!(error.to_string().contains("index out of bounds"));
    assert_eq!(log.events().len(), 1);
}

#[tokio::test]
async fn a_panic_in_a_cast_stops_the_server_and_reaches_later_callers() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Fragile::start(fragile(&log)).await.unwrap();
    server.explode_in_cast().unwrap();
    let reason = server.exited().await;
    assert_eq!(reason, ExitReason::Panic("cast went wrong".into()));
    assert_eq!(log.events(), ["terminate: panicked: cast went wrong"]);
    assert_eq!(server.count().await.unwrap_err(), CallError::NoProc);
}

#[derive(Debug)]
struct BadTerminate;

#[gen_server]
impl BadTerminate {
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }

    #[terminate]
    async fn terminate(&mut self) {
        tokio::task::yield_now().await;
        panic!("terminate failed");
    }
}

#[tokio::test]
async fn a_panic_in_terminate_becomes_the_exit_reason() {
    let _watchdog = support::watchdog();
    let server = BadTerminate::start(BadTerminate).await.unwrap();
    assert_eq!(server.ping().await.unwrap(), "pong");
    let error = server.stop().await.unwrap_err();
    assert_eq!(
        error,
        StopError::Exit(ExitReason::Panic("terminate failed".into()))
    );
    assert!(!server.is_alive());
    // The runtime goes on.
    let other = BadTerminate::start(BadTerminate).await.unwrap();
    assert_eq!(other.ping().await.unwrap(), "pong");
}

#[derive(Debug)]
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("dropped state panicked");
    }
}

#[derive(Debug)]
struct DropBomb {
    _bomb: PanicsOnDrop,
}

#[gen_server]
impl DropBomb {
    #[call]
    fn ping(&self) -> u8 {
        1
    }
}

#[tokio::test]
async fn a_panic_while_dropping_the_state_is_the_exit_reason_too() {
    let _watchdog = support::watchdog();
    let server = DropBomb::start(DropBomb {
        _bomb: PanicsOnDrop,
    })
    .await
    .unwrap();
    assert_eq!(server.ping().await.unwrap(), 1);
    assert_eq!(
        server.stop().await.unwrap_err(),
        StopError::Exit(ExitReason::Panic("dropped state panicked".into()))
    );
}
