//! Load: 1,000 servers and 100 clients on two worker threads, mixing
//! calls, casts, stops and restarts by name. No reply is lost, crossed or
//! wrong; the casts of one client reach a server in the order sent; every
//! cast accepted by a server that is never stopped is handled; a stopped
//! server's name is taken again by exactly one restart. Issue 16's stress
//! suite; bounded at 60 s.

#![allow(missing_docs)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use genserver::prelude::*;
use support::within;

const SERVERS: usize = 1_000;
/// Servers `0..VOLATILE` are stopped and restarted by the clients; the
/// others run throughout, so that their casts can be counted exactly.
const VOLATILE: usize = 100;
const CLIENTS: u64 = 100;
const OPERATIONS: u64 = 10_000;

/// Set if a server sees a client's casts out of order.
static OUT_OF_ORDER: AtomicBool = AtomicBool::new(false);

/// Echoes calls and checks the order of each client's casts.
#[derive(Default)]
struct Echo {
    /// The last cast sequence number seen from each client.
    last: HashMap<u64, u64>,
    casts: u64,
}

#[gen_server]
impl Echo {
    #[call]
    fn echo(&mut self, client: u64, seq: u64) -> (u64, u64) {
        (client, seq)
    }

    /// Records a client's cast, and whether it came out of order.
    #[cast]
    fn note(&mut self, client: u64, seq: u64) {
        let last = self.last.insert(client, seq);
        if last >= Some(seq) {
            OUT_OF_ORDER.store(true, Ordering::Relaxed);
        }
        self.casts += 1;
    }

    #[call]
    fn casts(&self) -> u64 {
        self.casts
    }
}

fn name(index: usize) -> String {
    format!("load-{index}")
}

/// The server under `index`'s name, started if there is none: of clients
/// racing to restart it, one starts it and the others get it from
/// `AlreadyStarted`.
async fn server(index: usize, restarts: &AtomicU64) -> ServerRef<Echo> {
    if let Some(server) = genserver::whereis::<Echo>(&name(index)) {
        return server;
    }
    match Echo::start_named(name(index), Echo::default()).await {
        Ok(server) => {
            restarts.fetch_add(1, Ordering::Relaxed);
            server
        }
        Err(StartError::AlreadyStarted(server)) => server,
        Err(error) => panic!("start: {error:?}"),
    }
}

/// A small deterministic generator, so that a failure can be replayed.
fn next(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    *seed >> 33
}

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    casts: AtomicU64,
    stops: AtomicU64,
    restarts: AtomicU64,
    refused: AtomicU64,
}

/// One client's operations: mostly calls and casts, to any server, and
/// now and then a stop of a volatile one.
async fn client_run(client: u64, counts: Arc<Counts>, accepted: Arc<Vec<AtomicU64>>) {
    let mut seed = client;
    // A cast sequence per client, increasing across servers.
    let mut seq = 0;
    for _ in 0..OPERATIONS {
        let roll = next(&mut seed);
        // Half of the operations go to the few volatile servers,
        // so that stops meet calls and casts in flight.
        let pick = usize::try_from(roll >> 8).unwrap();
        let index = if roll & 1 == 0 {
            pick % VOLATILE
        } else {
            pick % SERVERS
        };
        let server = server(index, &counts.restarts).await;
        match roll % 100 {
            // A stop of a volatile server, now and then.
            0..2 if index < VOLATILE => match server.stop().await {
                Ok(()) => {
                    counts.stops.fetch_add(1, Ordering::Relaxed);
                }
                Err(StopError::NoProc) => {
                    counts.refused.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => panic!("stop: {error:?}"),
            },
            0..50 => {
                seq += 1;
                match server.echo(client, seq).await {
                    Ok(reply) => {
                        assert_eq!(reply, (client, seq), "a crossed reply");
                        counts.calls.fetch_add(1, Ordering::Relaxed);
                    }
                    // Stopped by another client meanwhile.
                    Err(CallError::NoProc | CallError::Exit(ExitReason::Normal))
                        if index < VOLATILE =>
                    {
                        counts.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => panic!("call to {index}: {error:?}"),
                }
            }
            _ => {
                seq += 1;
                match server.note(client, seq) {
                    Ok(()) => {
                        counts.casts.fetch_add(1, Ordering::Relaxed);
                        accepted[index].fetch_add(1, Ordering::Relaxed);
                    }
                    Err(CastError::NoProc(_)) if index < VOLATILE => {
                        counts.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => panic!("cast to {index}: {error:?}"),
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_servers_and_a_hundred_clients() {
    let _watchdog = support::watchdog();
    let mut stable = Vec::new();
    for index in 0..SERVERS {
        let server = Echo::start_named(name(index), Echo::default())
            .await
            .unwrap();
        if index >= VOLATILE {
            stable.push(server);
        }
    }
    let counts = Arc::new(Counts::default());
    // Casts each stable server accepted.
    let accepted: Arc<Vec<_>> = Arc::new((0..SERVERS).map(|_| AtomicU64::new(0)).collect());
    let started = Instant::now();

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (counts, accepted) = (Arc::clone(&counts), Arc::clone(&accepted));
            tokio::spawn(client_run(client, counts, accepted))
        })
        .collect();
    for client in clients {
        within(Duration::from_mins(1), "a client's operations", client)
            .await
            .expect("a client ran to the end");
    }
    let took = started.elapsed();

    // Every cast a stable server accepted was handled.
    for (offset, server) in stable.iter().enumerate() {
        let index = VOLATILE + offset;
        let handled = within(
            Duration::from_secs(10),
            "the count of casts",
            server.casts(),
        )
        .await
        .unwrap_or_else(|error| panic!("server {index}: {error:?}"));
        assert_eq!(
            handled,
            accepted[index].load(Ordering::Relaxed),
            "server {index}"
        );
    }
    for index in 0..SERVERS {
        if let Some(server) = genserver::whereis::<Echo>(&name(index)) {
            within(Duration::from_secs(10), "the stop", server.stop())
                .await
                .unwrap();
        }
    }
    let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
    eprintln!(
        "{SERVERS} servers, {CLIENTS} clients: {} calls, {} casts, {} stops, {} restarts, \
         {} refused by a stopped server, in {took:?}",
        count(&counts.calls),
        count(&counts.casts),
        count(&counts.stops),
        count(&counts.restarts),
        count(&counts.refused),
    );
    assert!(count(&counts.stops) > 0 && count(&counts.restarts) > 0);
    assert!(
        count(&counts.refused) > 0,
        "stops met calls and casts in flight"
    );
    assert!(
        !OUT_OF_ORDER.load(Ordering::Relaxed),
        "a client's casts out of order"
    );
    let done = [&counts.calls, &counts.casts, &counts.stops, &counts.refused];
    assert_eq!(
        done.into_iter().map(count).sum::<u64>(),
        CLIENTS * OPERATIONS
    );
}
