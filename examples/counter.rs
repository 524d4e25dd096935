//! A counter whose `#[init]` can fail.
//!
//! `start` runs `init` inside the new server and returns only when it has
//! finished: with the server, or with the reason it could not start. A failed
//! start leaves nothing behind, not even its name.

use genserver::prelude::*;

/// Counts from a start value in steps.
#[derive(Debug)]
pub struct Counter {
    value: u64,
    step: u64,
}

#[gen_server]
impl Counter {
    /// Starts at `start` and counts in steps of `step`, which must not be zero.
    #[init]
    fn init(start: u64, step: u64) -> Result<Self, String> {
        if step == 0 {
            return Err(format!("a step of 0 would count from {start} for ever"));
        }
        Ok(Counter { value: start, step })
    }

    /// Moves one step on and replies with the new value.
    #[call]
    pub fn advance(&mut self) -> u64 {
        self.value += self.step;
        self.value
    }

    /// The current value.
    #[call]
    pub fn current(&self) -> u64 {
        self.value
    }

    /// Goes back to zero, without waiting.
    #[cast]
    pub fn reset(&mut self) {
        self.value = 0;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let counter = Counter::start(10, 5).await?;
    println!("started at 10 in steps of 5");
    println!("advance -> {}", counter.advance().await?);
    println!("advance -> {}", counter.advance().await?);
    counter.reset()?;
    println!("reset (cast); current -> {}", counter.current().await?);

    match Counter::start(7, 0).await {
        Ok(_) => println!("a step of 0 started, unexpectedly"),
        Err(error) => println!("start(7, 0) -> error: {error}"),
    }

    // A failed named start frees its name at once.
    let failed = Counter::start_named("ticker", 1, 0).await;
    println!("start_named(\"ticker\", 1, 0) failed: {}", failed.is_err());
    println!(
        "\"ticker\" registered after the failed start: {}",
        genserver::whereis::<Counter>("ticker").is_some()
    );
    let ticker = Counter::start_named("ticker", 1, 1).await?;
    println!(
        "start_named(\"ticker\", 1, 1) -> advance {}",
        ticker.advance().await?
    );
    match Counter::start_named("ticker", 100, 1).await {
        Err(StartError::AlreadyStarted(existing)) => {
            println!(
                "starting \"ticker\" again -> already started; its advance -> {}",
                existing.advance().await?
            );
        }
        other => {
            let other = other.map(|_| ());
            println!("starting \"ticker\" again -> unexpectedly {other:?}");
        }
    }
    ticker.stop().await?;
    counter.stop().await?;
    println!("stopped");
    Ok(())
}
