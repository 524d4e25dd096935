//! Stress: races that must still come out exactly right. The first of the
//! suite issue 16 asks for; each test is bounded in time.

mod support;

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use support::{unique_name, within};
use tokio::sync::Barrier;

const LIMIT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Racer;

#[gen_server]
impl Racer {
    #[call]
    fn ping(&self) {}
}

/// 64 racers start a server under one name at once, 500 times: exactly one
/// wins each time, every loser gets `AlreadyStarted` with the winner, the
/// name leads to the winner, and once it stops the name is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_racers_for_one_name() {
    let _watchdog = support::watchdog();
    for _ in 0..500 {
        let name = unique_name("race");
        let barrier = Arc::new(Barrier::new(64));
        let racers: Vec<_> = (0..64)
            .map(|_| {
                let (name, barrier) = (name.clone(), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    Racer::start_named(name, Racer).await
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut losers = Vec::new();
        for racer in racers {
            match within(LIMIT, "the task `racer`", racer).await.unwrap() {
                Ok(server) => winners.push(server),
                Err(StartError::AlreadyStarted(existing)) => losers.push(existing),
                Err(other) => panic!("a racer failed otherwise: {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one racer wins");
        let winner = &winners[0];
        assert!(losers.iter().all(|existing| existing == winner));
        assert_eq!(genserver::whereis::<Racer>(&name).as_ref(), Some(winner));
        winner.ping().await.unwrap();
        winner.stop().await.unwrap();
        assert!(
            genserver::whereis::<Racer>(&name).is_none(),
            "free once stopped"
        );
    }
}
