//! A server's uptime (`sys::get_status`) when a test's paused clock has
//! run ahead of the real one. The server list keeps a server's start as
//! nanoseconds from the first start in the process, which can be later
//! than a later server's start by the clock of another runtime. A binary
//! of its own: the first start in the process must be the paused one.

#![allow(missing_docs)]

mod support;

use std::time::Duration;

use genserver::prelude::*;
use genserver::sys;

struct Idle;

#[gen_server]
impl Idle {
    #[call]
    fn ping(&self) {}
}

#[test]
fn uptime_counts_from_the_start_when_the_first_start_was_on_a_clock_ahead() {
    let _watchdog = support::watchdog();
    // The first start in the process, on a paused clock an hour ahead.
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    paused.block_on(async {
        tokio::time::advance(Duration::from_hours(1)).await;
        let ahead = Idle::start(Idle).await.unwrap();
        ahead.stop().await.unwrap();
    });
    // A start on the real clock, an hour behind that first one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Idle::start(Idle).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status = support::within(
            Duration::from_secs(5),
            "the reply to get_status",
            sys::get_status(&server),
        )
        .await
        .unwrap();
        assert!(
            status.uptime >= Duration::from_millis(50) && status.uptime < Duration::from_mins(1),
            "uptime {:?}",
            status.uptime
        );
        server.ping().await.unwrap();
    });
}
