//! A soak test of supervision: a supervisor restarts a child that crashes
//! every millisecond, for ten seconds, and nothing is left behind: the
//! tasks and the heap are what they were once the supervisor is stopped,
//! and stay flat while it runs.
//!
//! Measured with a counting allocator; this binary holds this one test.

#![allow(missing_docs)]

mod support;

#[path = "support/counting.rs"]
mod counting;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use support::alive_tasks;

/// Crashes a millisecond after it starts.
struct Crasher;

#[gen_server]
impl Crasher {
    #[init]
    fn init(starts: Arc<AtomicUsize>, ctx: &mut Context<Self>) -> Self {
        starts.fetch_add(1, Ordering::Relaxed);
        ctx.send_after(Duration::from_millis(1), CrasherInfo::Crash);
        Crasher
    }

    #[info]
    fn crash(&mut self) {
        panic!("crashing on schedule");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_crashing_every_millisecond_for_ten_seconds_leaks_nothing() {
    let _watchdog = support::watchdog();
    // Ten thousand panic messages would only slow the test down.
    std::panic::set_hook(Box::new(|_| {}));
    let tasks_before = alive_tasks();
    // The runtime keeps the last 64 crash reports (`sys::recent_crashes`):
    // bounded, not a leak. Fill the ring first, so that it is part of the
    // heap measured before.
    for _ in 0..64 {
        let starts = Arc::new(AtomicUsize::new(0));
        let crasher = Crasher::start(starts).await.unwrap();
        assert!(matches!(crasher.exited().await, ExitReason::Panic(_)));
    }
    assert_eq!(genserver::sys::recent_crashes().len(), 64);
    // `exited` returns before the task has ended.
    for _ in 0..100 {
        if alive_tasks() == tasks_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(alive_tasks(), tasks_before, "the crashers' tasks ended");
    let heap_before = counting::live();

    let starts = Arc::new(AtomicUsize::new(0));
    let options = SupervisorOptions::default()
        .max_restarts(u32::MAX)
        .max_seconds(Duration::from_secs(1));
    let spec = Crasher::child_spec(Arc::clone(&starts));
    let supervisor = Supervisor::start(options, vec![spec]).await.unwrap();

    // Once warm (the restart window full, the runtime's caches grown), the
    // heap must stay flat: sample it each second, and compare the last
    // samples with the first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut samples = Vec::new();
    for _ in 0..8 {
        samples.push(counting::live());
        assert!(
            alive_tasks() <= tasks_before + 2,
            "a supervisor and its child"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let restarts = starts.load(Ordering::Relaxed);
    supervisor.stop().await.unwrap();
    let _ = std::panic::take_hook();

    assert!(restarts > 1_000, "only {restarts} restarts in ten seconds");
    let warm = samples[0];
    let peak = *samples.iter().max().unwrap();
    assert!(
        peak.saturating_sub(warm) < 8 * 1024,
        "the heap grew from {warm} to {peak} bytes over {restarts} restarts: {samples:?}"
    );
    // Everything the supervisor and its children held is given back.
    for _ in 0..100 {
        if alive_tasks() == tasks_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(alive_tasks(), tasks_before, "no task is left");
    let heap_after = counting::live();
    assert!(
        heap_after.saturating_sub(heap_before) < 16 * 1024,
        "{} bytes more than before the supervisor started ({restarts} restarts)",
        heap_after.saturating_sub(heap_before)
    );
    eprintln!(
        "{restarts} restarts; heap while running {samples:?}; {} bytes kept after",
        heap_after.saturating_sub(heap_before)
    );
}
