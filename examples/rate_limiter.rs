//! A rate limiter with an async handler: `acquire` waits on a tokio timer
//! until enough tokens have come back.
//!
//! While a handler awaits, its server handles nothing else, so requests are
//! granted strictly in arrival order. Time is paused (tokio's test clock):
//! the runtime jumps ahead whenever every task waits on a timer, so the
//! output, timings included, is the same on every run.

use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

/// A token bucket: `capacity` tokens, refilled at one token per `period`.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: u32,
    tokens: u32,
    period: Duration,
    refilled_at: Instant,
    granted: u32,
}

#[gen_server]
impl RateLimiter {
    #[init]
    fn init(capacity: u32, period: Duration) -> Self {
        RateLimiter {
            capacity,
            tokens: capacity,
            period,
            refilled_at: Instant::now(),
            granted: 0,
        }
    }

    /// Waits until `tokens` are available, takes them, and replies with how
    /// many requests have been granted so far.
    #[call]
    pub async fn acquire(&mut self, tokens: u32) -> u32 {
        loop {
            self.refill();
            if self.tokens >= tokens {
                self.tokens -= tokens;
                self.granted += 1;
                return self.granted;
            }
            tokio::time::sleep(self.period).await;
        }
    }

    /// How many tokens are available now.
    #[call]
    pub fn available(&mut self) -> u32 {
        self.refill();
        self.tokens
    }

    fn refill(&mut self) {
        let periods = self.refilled_at.elapsed().as_nanos() / self.period.as_nanos();
        if periods > 0 {
            let periods = u32::try_from(periods).unwrap_or(u32::MAX);
            self.tokens = self.tokens.saturating_add(periods).min(self.capacity);
            self.refilled_at += self.period * periods;
        }
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limiter = RateLimiter::start(3, Duration::from_millis(100)).await?;
    let started = Instant::now();
    let ms = || started.elapsed().as_millis();

    println!("capacity 3, one token back every 100 ms");
    for cost in [2, 1, 2, 3] {
        let granted = limiter.acquire(cost).await?;
        println!(
            "t={:>4} ms: request #{granted} for {cost} token(s) granted",
            ms()
        );
    }

    // Three clients at once: the server takes them in arrival order.
    let (a, b, c) = tokio::join!(limiter.acquire(3), limiter.acquire(1), limiter.acquire(1));
    println!(
        "t={:>4} ms: three concurrent requests granted as #{}, #{}, #{}",
        ms(),
        a?,
        b?,
        c?
    );

    // A caller that cannot wait long enough gets a timeout; the server is unaffected.
    let quick = limiter.acquire(3).timeout(Duration::from_millis(50)).await;
    println!(
        "t={:>4} ms: a request with a 50 ms timeout -> {:?}",
        ms(),
        quick.err()
    );
    // Asked at 1050 ms, answered once the server has served that request.
    let available = limiter.available().await?;
    println!(
        "t={:>4} ms: available -> {available} (after serving the timed-out request)",
        ms()
    );
    limiter.stop().await?;
    Ok(())
}
