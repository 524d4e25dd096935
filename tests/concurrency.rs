//! Many clients at once on a multi-thread runtime: every reply checked.

#![allow(missing_docs)]

mod support;

use genserver::prelude::*;

#[derive(Debug, Default)]
struct Accumulator {
    total: u64,
    calls: u64,
}

#[gen_server]
impl Accumulator {
    /// Adds `amount` and echoes the request back with the running count.
    #[call]
    fn add(&mut self, client: u64, seq: u64, amount: u64) -> (u64, u64, u64) {
        self.total += amount;
        self.calls += 1;
        (client, seq, amount)
    }

    #[call]
    fn totals(&self) -> (u64, u64) {
        (self.total, self.calls)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_clients_times_a_thousand_calls_each_get_their_own_reply() {
    let _watchdog = support::watchdog();
    let server = Accumulator::start(Accumulator::default()).await.unwrap();
    let mut clients = Vec::new();
    for client in 0..100u64 {
        let server = server.clone();
        clients.push(tokio::spawn(async move {
            for seq in 0..1_000u64 {
                let amount = client * 1_000 + seq;
                let reply = server.add(client, seq, amount).await.unwrap();
                assert_eq!(reply, (client, seq, amount));
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let expected_total: u64 = (0..100_000u64).sum();
    assert_eq!(server.totals().await.unwrap(), (expected_total, 100_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_servers_answer_calls_all_in_flight_at_once() {
    let _watchdog = support::watchdog();
    let mut servers = Vec::new();
    for _ in 0..1_000 {
        servers.push(Accumulator::start(Accumulator::default()).await.unwrap());
    }
    let mut calls = tokio::task::JoinSet::new();
    for (i, server) in servers.iter().enumerate() {
        let server = server.clone();
        let i = i as u64;
        calls.spawn(async move { (i, server.add(i, 0, i).await.unwrap()) });
    }
    let mut answered = 0;
    while let Some(result) = calls.join_next().await {
        let (i, reply) = result.unwrap();
        assert_eq!(reply, (i, 0, i));
        answered += 1;
    }
    assert_eq!(answered, 1_000);
}

/// Counts the messages it handles into a counter other tasks can read.
#[derive(Debug)]
struct Busy {
    handled: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[gen_server]
impl Busy {
    #[cast]
    fn work(&mut self) {
        self.handled
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    #[call]
    fn total(&self) -> u64 {
        self.handled.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_flooded_server_still_lets_other_tasks_of_its_thread_run() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    const MESSAGES: u64 = 100_000;
    let _watchdog = support::watchdog();
    let handled = Arc::new(AtomicU64::new(0));
    let server = Busy::start(Busy {
        handled: Arc::clone(&handled),
    })
    .await
    .unwrap();
    for _ in 0..MESSAGES {
        server.work().unwrap();
    }
    // Scheduled after the server (which the first cast woke): it must get a
    // turn long before the server is through its mailbox.
    let seen = Arc::clone(&handled);
    let bystander = tokio::spawn(async move { seen.load(Ordering::Relaxed) });
    let seen_by_bystander = bystander.await.unwrap();
    assert!(
        seen_by_bystander < MESSAGES,
        "the server handled all {MESSAGES} messages before another task could run"
    );
    assert_eq!(server.total().await.unwrap(), MESSAGES);
}
