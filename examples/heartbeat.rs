//! A heartbeat: the server beats every 100 ms on an interval timer, and a
//! watchdog (an idle timeout) shuts it down once it has had no message for
//! 250 ms.
//!
//! While the interval runs, every beat is a message, so the server is never
//! idle. Pausing cancels the interval (`TimerRef::cancel`); from then on only
//! a client's `touch` keeps the server up, and the watchdog stops it with
//! `ExitReason::shutdown("idle")`. A second server is stopped from a call
//! instead, which replies after `terminate` has run. Time is paused (tokio's
//! test clock), so the output, times included, is the same on every run.

use std::fmt::Display;
use std::sync::OnceLock;
use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

/// How often the server beats: `@beat` below.
const BEAT: Duration = Duration::from_millis(100);
/// How long the server may go without a message: `@idle` below.
const IDLE: Duration = Duration::from_millis(250);

/// Counts its beats, and holds the interval timer to cancel it.
#[derive(Debug)]
pub struct Heartbeat {
    beats: u32,
    ticker: TimerRef,
}

#[gen_server]
impl Heartbeat {
    /// `init/1`: `:timer.send_interval(@beat, :beat)`, then `{:ok, state, @idle}`.
    #[init]
    fn init(ctx: &mut Context<Self>) -> Self {
        // The interval makes a new message for each beat.
        let ticker = ctx.send_interval(BEAT, || HeartbeatInfo::Beat);
        // The watchdog: `Idle` arrives if no message comes within `IDLE`.
        // As in Elixir, it covers only the next wait: every callback arms it
        // again (`@idle` in each return value), or the watchdog is off.
        ctx.idle_timeout(IDLE, HeartbeatInfo::Idle);
        Heartbeat { beats: 0, ticker }
    }

    /// `handle_info(:beat, state)`: counts the beat, `{:noreply, state, @idle}`.
    /// A beat is a message: while they come, the server is never idle.
    #[info]
    fn beat(&mut self, ctx: &mut Context<Self>) {
        self.beats += 1;
        say(format_args!("server: beat {}", self.beats));
        ctx.idle_timeout(IDLE, HeartbeatInfo::Idle);
    }

    /// `handle_cast(:touch, state)`: a client is still there.
    #[cast]
    pub fn touch(&mut self, ctx: &mut Context<Self>) {
        say("server: touched");
        ctx.idle_timeout(IDLE, HeartbeatInfo::Idle);
    }

    /// `handle_call(:beats, _from, state)`: how many beats so far.
    #[call]
    pub fn beats(&self, ctx: &mut Context<Self>) -> u32 {
        ctx.idle_timeout(IDLE, HeartbeatInfo::Idle);
        self.beats
    }

    /// `handle_call(:pause, _from, state)`: stops the beats,
    /// `:timer.cancel(tref)`. Replies whether the interval was still running.
    #[call]
    pub fn pause(&mut self, ctx: &mut Context<Self>) -> bool {
        ctx.idle_timeout(IDLE, HeartbeatInfo::Idle);
        self.ticker.cancel()
    }

    /// `handle_info(:timeout, state)`: no message for `IDLE`,
    /// `{:stop, {:shutdown, :idle}, state}`.
    #[info]
    fn idle(&mut self, ctx: &mut Context<Self>) {
        say(format_args!(
            "server: no message for {} ms, stopping",
            IDLE.as_millis()
        ));
        ctx.stop(ExitReason::shutdown("idle"));
    }

    /// `handle_call(:halt, _from, state)`: `{:stop, :normal, beats, state}`.
    /// The caller gets the reply once `terminate` has run.
    #[call]
    pub fn halt(&mut self, ctx: &mut Context<Self>) -> u32 {
        ctx.stop(ExitReason::Normal);
        self.beats
    }

    /// `terminate/2`. The interval ends with the server: nothing to cancel.
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        say(format_args!(
            "server: terminate ({reason}) after {} beats",
            self.beats
        ));
    }
}

/// Prints `line` after the time since the program started.
fn say(line: impl Display) {
    static START: OnceLock<Instant> = OnceLock::new();
    let millis = START.get_or_init(Instant::now).elapsed().as_millis();
    println!("t={millis:>4} ms  {line}");
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    say("start a heartbeat (beat every 100 ms, idle timeout 250 ms)");
    let heart = Heartbeat::start().await?;
    tokio::time::sleep(Duration::from_millis(350)).await;
    say(format_args!("beats -> {}", heart.beats().await?));

    // The beats were what kept the server busy; without them it can go idle.
    say(format_args!(
        "pause -> {} (interval cancelled)",
        heart.pause().await?
    ));
    say(format_args!(
        "pause -> {} (already cancelled)",
        heart.pause().await?
    ));

    // Each touch comes within the idle timeout of the last message.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        say("touch (cast)");
        heart.touch()?;
    }
    // Then nothing: the watchdog fires 250 ms after the last touch.
    let reason = heart.exited().await;
    say(format_args!("exited: {reason}"));

    say("start a second heartbeat");
    let heart = Heartbeat::start().await?;
    tokio::time::sleep(Duration::from_millis(250)).await;
    // `terminate` has run by the time the reply arrives.
    say(format_args!("halt -> {} beats", heart.halt().await?));
    say(format_args!("exit reason: {:?}", heart.exit_reason()));
    // The interval died with the server: no more beats.
    tokio::time::sleep(Duration::from_millis(300)).await;
    say(format_args!("alive: {}", heart.is_alive()));
    Ok(())
}
