//! The observer page over a small supervised system.
//!
//! ```text
//! cargo run --example observer          # then open http://127.0.0.1:4000/
//! OBSERVER_ADDR=127.0.0.1:0 OBSERVER_SECONDS=30 cargo run --example observer
//! ```
//!
//! The tree: a supervisor `app` (one for one) with
//!
//! - `ticker`, a counter that ticks every 50 ms on an interval timer;
//! - `kv`, a key-value store that a client loop writes to four times a second;
//! - `workers`, a supervisor of its own, with
//!   - `flaky`, a worker that does a job every 200 ms and panics now and
//!     then: each crash is a crash report, and `workers` restarts it;
//!   - `mailer`, a slow server that gets a burst of 25 mails every 4 s and
//!     takes 80 ms for each: its mailbox fills and drains.
//!
//! Crash reports go to stderr through `tracing`.
//!
//! The page is served on `127.0.0.1:4000`, or on `OBSERVER_ADDR`; the
//! program prints the page's address (with the port picked, for port 0) and
//! runs until Ctrl-C, or for `OBSERVER_SECONDS` seconds.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genserver::prelude::*;

/// Counts the ticks of an interval timer.
#[derive(Debug)]
pub struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    /// `:timer.send_interval(50, :tick)`.
    #[init]
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(Duration::from_millis(50), || TickerInfo::Tick);
        Ticker { ticks: 0 }
    }

    /// `handle_info(:tick, state)`.
    #[info]
    fn tick(&mut self) {
        self.ticks += 1;
    }

    /// How many ticks so far.
    #[call]
    pub fn ticks(&self) -> u64 {
        self.ticks
    }
}

/// A key-value store; its `Debug` is what the page shows as its state.
#[derive(Debug, Default)]
pub struct Store {
    map: BTreeMap<String, String>,
    writes: u64,
}

#[gen_server]
impl Store {
    /// Every start begins with a greeting.
    #[init]
    fn init() -> Self {
        let mut store = Store::default();
        store
            .map
            .insert("greeting".into(), "hello from the observer".into());
        store
    }

    /// Looks `key` up.
    #[call]
    pub fn get(&self, key: String) -> Option<String> {
        self.map.get(&key).cloned()
    }

    /// Stores `value` under `key`.
    #[cast]
    pub fn put(&mut self, key: String, value: String) {
        self.writes += 1;
        self.map.insert(key, value);
    }
}

/// Does a job every 200 ms, and fails one of them now and then.
#[derive(Debug)]
pub struct Flaky {
    jobs: u64,
    fails_at: u64,
}

#[gen_server]
impl Flaky {
    /// Picks the job that will fail: one of the 15th to the 40th.
    #[init]
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(Duration::from_millis(200), || FlakyInfo::Work);
        Flaky {
            jobs: 0,
            fails_at: 15 + noise() % 26,
        }
    }

    /// One job.
    ///
    /// # Panics
    ///
    /// On the job picked at start: the worker crashes and is restarted.
    #[info]
    fn work(&mut self) {
        self.jobs += 1;
        assert!(
            self.jobs != self.fails_at,
            "job {} failed: the flaky worker lost its connection",
            self.jobs
        );
    }
}

/// A slow server: 80 ms for each mail.
#[derive(Debug, Default)]
pub struct Mailer {
    sent: u64,
    last: Option<String>,
}

#[gen_server]
impl Mailer {
    /// Sends one mail, slowly.
    #[cast]
    pub async fn send(&mut self, to: String) {
        tokio::time::sleep(Duration::from_millis(80)).await;
        self.sent += 1;
        self.last = Some(to);
    }
}

/// A little randomness without a dependency: the clock's nanoseconds.
fn noise() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    u64::from(nanos / 1000)
}

/// The supervision tree's specs.
fn children() -> Vec<ChildSpec> {
    let workers = vec![
        ChildSpec::new("flaky", || {
            Flaky::start_with(StartOptions::new().name("flaky").link())
        }),
        ChildSpec::new("mailer", || {
            Mailer::start_with(StartOptions::new().name("mailer").link(), Mailer::default())
        }),
    ];
    // Up to 20 restarts a minute: the flaky worker crashes every 3 to 8 s.
    let options = SupervisorOptions::new(Strategy::OneForOne)
        .max_restarts(20)
        .max_seconds(Duration::from_mins(1));
    vec![
        ChildSpec::new("ticker", || {
            Ticker::start_with(StartOptions::new().name("ticker").link())
        }),
        ChildSpec::new("kv", || {
            Store::start_with(StartOptions::new().name("kv").link())
        }),
        ChildSpec::new("workers", move || {
            Supervisor::start_with(
                StartOptions::new().name("workers").link(),
                options,
                workers.clone(),
            )
        })
        .supervisor(),
    ]
}

/// What clients do: writes to the store, bursts of mail.
async fn clients() {
    let mut beat = tokio::time::interval(Duration::from_millis(250));
    for visit in 1_u64.. {
        beat.tick().await;
        if let Some(kv) = genserver::whereis::<Store>("kv") {
            let _ = kv.put("visits".into(), visit.to_string());
        }
        if visit % 16 != 0 {
            continue;
        }
        if let Some(mailer) = genserver::whereis::<Mailer>("mailer") {
            for n in 0..25 {
                let _ = mailer.send(format!("user{n}@example.com"));
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Crash and supervisor reports to stderr. With a subscriber listening,
    // the runtime also records the message each server is handling, which
    // the crash reports, and so the page, show.
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_writer(std::io::stderr)
        .init();

    let options = SupervisorOptions::new(Strategy::OneForOne)
        .max_restarts(20)
        .max_seconds(Duration::from_mins(1));
    let app = Supervisor::start_named("app", options, children()).await?;

    let addr = std::env::var("OBSERVER_ADDR").unwrap_or_else(|_| "127.0.0.1:4000".into());
    let observer = genserver_observer::serve(addr.as_str()).await?;
    // Scripts read this line for the address.
    println!("observer: {}", observer.url());

    let seconds = std::env::var("OBSERVER_SECONDS")
        .ok()
        .map(|seconds| seconds.parse::<u64>())
        .transpose()?;
    let deadline = async {
        match seconds {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = deadline => println!("observer: {} s are up", seconds.unwrap_or_default()),
        stopped = tokio::signal::ctrl_c() => {
            stopped?;
            println!("observer: interrupted");
        }
        () = clients() => {}
    }

    observer.shutdown().await;
    app.stop().await?;
    Ok(())
}
