//! Churn: a million server lifecycles, named and unnamed, on two worker
//! threads; the heap and the runtime's tasks come back to where they were.
//! Issue 16's stress suite; bounded at 60 s.
//!
//! Measured with a counting allocator; this binary holds this one test.

#![allow(missing_docs)]

mod support;

#[path = "support/counting.rs"]
mod counting;

use std::time::Duration;

use genserver::prelude::*;
use support::alive_tasks;

#[derive(Default)]
struct Brief {
    pings: u32,
}

#[gen_server]
impl Brief {
    #[call]
    fn ping(&mut self) -> u32 {
        self.pings += 1;
        self.pings
    }
}

const TASKS: usize = 4;
const ROUNDS: usize = 250_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_lifecycles_leave_nothing_behind() {
    let _watchdog = support::watchdog();
    // Warm up: the runtime's, the name table's and the server table's first
    // allocations are not the churn's.
    for n in 0..TASKS {
        let server = Brief::start_named(format!("churn-{n}"), Brief::default())
            .await
            .unwrap();
        server.stop().await.unwrap();
    }
    // Nor is the runtime's task that times calls out, spawned by the first
    // call that waits past its server's turn: here, to a suspended server.
    let suspended = Brief::start(Brief::default()).await.unwrap();
    genserver::sys::suspend(&suspended).await.unwrap();
    let waited = suspended.ping().timeout(Duration::from_millis(1)).await;
    assert_eq!(waited, Err(CallError::Timeout));
    suspended.stop().await.unwrap();
    // A stopped server's task ends just after `stop` returns (which waits
    // for the end to be published, not for the task's last drops): let the
    // warm-up's end, so that the baseline counts none of them.
    for _ in 0..100 {
        if alive_tasks() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let tasks_before = alive_tasks();
    let heap_before = counting::live();

    let started = std::time::Instant::now();
    let churners: Vec<_> = (0..TASKS)
        .map(|n| {
            tokio::spawn(async move {
                let name = format!("churn-{n}");
                for round in 0..ROUNDS {
                    // Every other lifecycle under a name, freed by its stop.
                    let server = if round % 2 == 0 {
                        Brief::start_named(name.clone(), Brief::default()).await
                    } else {
                        Brief::start(Brief::default()).await
                    };
                    let server = server.expect("the name is free again");
                    if round % 16 == 0 {
                        assert_eq!(server.ping().await, Ok(1));
                    }
                    server.stop().await.expect("stops");
                }
            })
        })
        .collect();
    for churner in churners {
        tokio::time::timeout(Duration::from_mins(1), churner)
            .await
            .expect("a million lifecycles within a minute")
            .unwrap();
    }
    let took = started.elapsed();

    for _ in 0..100 {
        if alive_tasks() == tasks_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(alive_tasks(), tasks_before, "no server task is left");
    let kept = counting::live_above(heap_before);
    assert!(
        kept < 64 * 1024,
        "{kept} bytes kept after {} lifecycles",
        TASKS * ROUNDS
    );
    assert!(
        genserver::sys::processes().is_empty(),
        "no server is listed"
    );
    eprintln!(
        "{} lifecycles in {took:?}; {kept} bytes above the heap before",
        TASKS * ROUNDS
    );
}
