//! Hibernation, the Rust way: an idle server gives back the mailbox memory a
//! burst left (automatically, beyond a few dozen slots, once its mailbox has
//! stayed empty for 100 ms), and all of it when a handler asks to hibernate
//! (`{:noreply, state, :hibernate}`).
//!
//! Also the heap an armed timer takes, against a `tokio::time::interval`
//! task per server.
//!
//! Measured with a counting allocator on a current-thread runtime; the tests
//! of this binary take turns, so that nothing else allocates meanwhile.

#![allow(missing_docs)]

mod support;

#[path = "support/counting.rs"]
mod counting;

#[path = "support/sink.rs"]
mod sink;

use counting::live_above;

use std::time::Duration;

use genserver::prelude::*;
use sink::Sink;

/// Lets the server run until it waits again.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// The tests of this binary take turns: the counter is process-wide.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `test` on a current-thread runtime of its own, holding the turn
/// until the runtime, and all it allocated, is gone.
fn measured(test: impl std::future::Future<Output = ()>) {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The servers run on this thread: count it alone, not the harness.
    counting::only_this_thread();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(test);
}

#[test]
fn an_idle_server_gives_back_what_a_burst_left_and_hibernation_gives_back_all() {
    let _watchdog = support::watchdog();
    measured(burst());
}

async fn burst() {
    // The runtime's timer wheel allocates with its first timer: not ours.
    tokio::time::sleep(Duration::from_millis(1)).await;
    // Nor are the runtime's lists of call deadlines, which allocate with
    // the first call that waits past the server's turn: here, behind a
    // batch larger than a turn's cooperative budget, to a server of its own.
    let other = Sink::start(Sink::default()).await.unwrap();
    for n in 0..1_000 {
        other.add(n).unwrap();
    }
    assert_eq!(other.sum().await.unwrap(), 499_500);
    other.stop().await.unwrap();
    let server = Sink::start(Sink::default()).await.unwrap();
    assert_eq!(server.sum().await.unwrap(), 0);
    settle().await;
    let idle = counting::live();

    // A burst of a million casts: tens of megabytes of queue at the peak.
    for n in 0..1_000_000 {
        server.add(n).unwrap();
    }
    let peak = live_above(idle);
    assert!(peak > 10_000_000, "the burst took {peak} bytes");
    assert_eq!(server.sum().await.unwrap(), 499_999_500_000);
    settle().await;
    let right_after = live_above(idle);
    assert!(right_after > 1_000_000, "kept while another burst may come");
    tokio::time::sleep(Duration::from_millis(150)).await;
    settle().await;
    let after_burst = live_above(idle);
    // The queue itself would be megabytes.
    assert!(
        after_burst < 512,
        "kept {after_burst} bytes after the burst"
    );

    // A small burst keeps its slots (no reallocation per batch)...
    for n in 0..40 {
        server.add(n).unwrap();
    }
    server.sum().await.unwrap();
    settle().await;
    let kept = live_above(idle);
    assert!(kept > 0, "a small batch keeps its slots");
    // ...also once the mailbox has stayed empty for a while.
    tokio::time::sleep(Duration::from_millis(150)).await;
    settle().await;
    assert_eq!(live_above(idle), kept, "a small batch's slots are kept");
    // ...until the server hibernates.
    server.hibernate().unwrap();
    server.sum().await.unwrap();
    settle().await;
    let hibernated = live_above(idle);
    // Printed last: printing allocates the test harness's capture buffer.
    println!("after 1,000,000 casts: peak {peak} bytes, then {after_burst} bytes above idle");
    println!("40 casts kept {kept} bytes; after hibernating, {hibernated}");
    // Less than the handler's requests take: those are freed too.
    assert!(hibernated < 64, "kept {hibernated} bytes after hibernating");
}

#[derive(Default)]
struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[info]
    fn tick(&mut self) {
        self.ticks += 1;
    }

    #[call]
    fn ticks(&self) -> u64 {
        self.ticks
    }
}

const SERVERS: usize = 10_000;

#[test]
fn an_armed_timer_takes_less_heap_than_an_interval_task() {
    let _watchdog = support::watchdog();
    measured(armed_timers());
}

async fn armed_timers() {
    let period = Duration::from_hours(1);

    // genserver: `send_interval` on each of 10,000 idle servers.
    let mut servers = Vec::with_capacity(SERVERS);
    for _ in 0..SERVERS {
        servers.push(Ticker::start(Ticker::default()).await.unwrap());
    }
    for server in &servers {
        // The first two messages allocate the mailbox's two queues (the one
        // senders fill and the batch the server works through): not the
        // timer's cost.
        assert_eq!(server.ticks().await.unwrap(), 0);
        assert_eq!(server.ticks().await.unwrap(), 0);
    }
    let mut timers = Vec::with_capacity(SERVERS);
    let before = counting::live();
    for server in &servers {
        timers.push(genserver::send_interval(server, period, || {
            TickerInfo::Tick
        }));
        // By the time it replies, the server has armed its wake-up.
        assert_eq!(server.ticks().await.unwrap(), 0);
    }
    let genserver_bytes = live_above(before) / SERVERS;

    // Hand-written: a task per server running a `tokio::time::interval`,
    // which sends the ticks to the server's channel.
    let mut channels = Vec::with_capacity(SERVERS);
    for _ in 0..SERVERS {
        channels.push(tokio::sync::mpsc::unbounded_channel::<()>());
    }
    let mut tasks = Vec::with_capacity(SERVERS);
    let before = counting::live();
    for (sender, _) in &channels {
        let sender = sender.clone();
        let (armed, is_armed) = tokio::sync::oneshot::channel();
        tasks.push(tokio::spawn(async move {
            let mut interval =
                tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            let _ = armed.send(());
            loop {
                interval.tick().await;
                if sender.send(()).is_err() {
                    return;
                }
            }
        }));
        is_armed.await.unwrap();
    }
    let interval_bytes = live_above(before) / SERVERS;
    println!(
        "heap per armed timer: genserver {genserver_bytes} bytes, an interval task {interval_bytes} bytes"
    );
    assert!(genserver_bytes > 0 && interval_bytes > 0);
    assert!(
        genserver_bytes < interval_bytes,
        "{genserver_bytes} bytes per timer against {interval_bytes}"
    );
    for timer in &timers {
        assert!(timer.cancel());
    }
    for task in &tasks {
        task.abort();
    }
}

/// Links and monitors cost a server nothing until it makes one, and nothing
/// again once they are gone: the heap of two idle servers is the same
/// before a link and a monitor and after the unlink and the demonitor.
#[test]
fn links_and_monitors_that_are_gone_cost_nothing() {
    let _watchdog = support::watchdog();
    measured(links_and_monitors());
}

struct Peer;

#[gen_server]
impl Peer {
    #[call]
    fn link_to(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        ctx.link(&other).unwrap();
    }

    #[call]
    fn unlink_from(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        ctx.unlink(&other);
    }

    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&other)
    }

    #[call]
    fn unwatch(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    #[info]
    fn down(&mut self, _down: Down) {}
}

async fn links_and_monitors() {
    let a = Peer::start(Peer).await.unwrap();
    let b = Peer::start(Peer).await.unwrap();
    let b_any = AnyRef::from(b.clone());
    // Warm both mailboxes (their queues) with the calls used below.
    a.unlink_from(b_any.clone()).await.unwrap();
    assert!(
        a.unwatch(a.watch(b_any.clone()).await.unwrap())
            .await
            .unwrap()
    );
    let before = counting::live();
    a.link_to(b_any.clone()).await.unwrap();
    let monitor = a.watch(b_any.clone()).await.unwrap();
    let linked = live_above(before);
    a.unlink_from(b_any.clone()).await.unwrap();
    assert!(a.unwatch(monitor).await.unwrap());
    let after = live_above(before);
    println!("a link and a monitor: {linked} bytes; once gone: {after} bytes");
    assert!(linked > 0, "a link and a monitor take some heap");
    // 448 bytes on 64-bit Linux, on both sides: a first link or monitor
    // gets no spare room.
    assert!(linked <= 480, "{linked} bytes for a link and a monitor");
    assert_eq!(after, 0, "once gone, they take none");
    // Nor does an entry in a registry that was dropped.
    let entries_in_a_dropped_registry = || {
        let registry: genserver::Registry<u64> =
            genserver::Registry::with_partitions(genserver::Keys::Unique, 1);
        registry.register(&a, 1, ()).unwrap();
        registry.register(&a, 2, ()).unwrap();
    };
    entries_in_a_dropped_registry();
    let before = counting::live();
    entries_in_a_dropped_registry();
    assert_eq!(
        live_above(before),
        0,
        "a dropped registry leaves nothing behind"
    );
}

/// The heap a registry entry takes, with the monitor that removes it when
/// its server stops, against an entry of a `HashMap` of handles.
#[test]
fn heap_per_registry_entry() {
    let _watchdog = support::watchdog();
    measured(registry_entries());
}

async fn registry_entries() {
    const ENTRIES: usize = 10_000;
    let mut servers = Vec::with_capacity(ENTRIES);
    for _ in 0..ENTRIES {
        servers.push(Peer::start(Peer).await.unwrap());
    }
    let before = counting::live();
    let registry: genserver::Registry<u64> = genserver::Registry::new(genserver::Keys::Unique);
    for (key, server) in (0..).zip(&servers) {
        registry.register(server, key, ()).unwrap();
    }
    let per_entry = live_above(before) / ENTRIES;
    let before = counting::live();
    let mut map = std::collections::HashMap::new();
    for (key, server) in (0u64..).zip(&servers) {
        map.insert(key, server.clone());
    }
    let per_map_entry = live_above(before) / ENTRIES;
    println!(
        "heap per entry: registry {per_entry} bytes, a HashMap of handles {per_map_entry} bytes"
    );
    assert!(per_entry > per_map_entry);
    // 373 bytes on 64-bit Linux: the entry, and the partition's monitor of
    // its server (its index, its keys, its place in the server's link
    // table), which a server's later entries in the partition share. A
    // first entry has no spare room.
    assert!(per_entry <= 400, "{per_entry} bytes per registry entry");
    let before = counting::live();
    let many: genserver::Registry<u64> =
        genserver::Registry::with_partitions(genserver::Keys::Unique, 1);
    for (index, server) in (0u64..).zip(servers.iter().take(ENTRIES / 10)) {
        for key in index * 10..index * 10 + 10 {
            many.register(server, key, ()).unwrap();
        }
    }
    let per_shared_entry = live_above(before) / ENTRIES;
    println!("heap per entry, ten per server: {per_shared_entry} bytes");
    assert!(
        per_shared_entry < per_entry,
        "a server's entries share its monitor"
    );
    drop(many);
    drop(map);
    let before = counting::live();
    for (key, server) in (0..).zip(&servers) {
        registry.unregister(server, &key);
    }
    assert_eq!(registry.count(), 0);
    assert!(
        counting::live().wrapping_sub(before) > usize::MAX / 2,
        "unregistering gives the entries' memory back"
    );
}

/// The name table gives back what a wave of named servers took, once they
/// have stopped.
#[test]
fn the_name_table_shrinks_after_a_wave_of_names() {
    let _watchdog = support::watchdog();
    measured(wave_of_names());
}

async fn wave_of_names() {
    // Warm up: the table's first room, and the runtime's.
    let first = Peer::start_named("wave-warm-up", Peer).await.unwrap();
    first.stop().await.unwrap();
    let before = counting::live();
    let mut servers = Vec::with_capacity(20_000);
    for index in 0..20_000 {
        servers.push(
            Peer::start_named(format!("wave-{index}"), Peer)
                .await
                .unwrap(),
        );
    }
    let peak = live_above(before);
    for server in &servers {
        server.stop().await.unwrap();
    }
    drop(servers);
    let after = live_above(before);
    println!("20,000 named servers: {peak} bytes; all stopped: {after} bytes kept");
    assert!(
        after < 64 * 1024,
        "{after} bytes kept after every name was freed"
    );
}

/// A handle made typed again with `AnyRef::downcast` keeps nothing once
/// the server has stopped: the type-erased handle's pointer is released,
/// not forgotten.
#[test]
fn a_downcast_handle_leaves_nothing_behind() {
    let _watchdog = support::watchdog();
    measured(downcasts());
}

async fn downcasts() {
    let warm_up = Sink::start(Sink::default()).await.unwrap();
    warm_up.stop().await.unwrap();
    settle().await;
    let before = counting::live();
    for _ in 0..100 {
        let server = Sink::start(Sink::default()).await.unwrap();
        let typed = AnyRef::from(server).downcast::<Sink>().unwrap();
        typed.stop().await.unwrap();
        settle().await;
    }
    let kept = live_above(before);
    // Leaking each server's shared state would keep more than 20 KB.
    assert!(kept < 4096, "{kept} bytes kept after 100 stopped servers");
}

#[test]
fn calls_answered_after_waiting_leave_nothing_in_the_deadline_lists() {
    let _watchdog = support::watchdog();
    measured(answered_after_waiting());
}

async fn answered_after_waiting() {
    tokio::time::sleep(Duration::from_millis(1)).await;
    let server = Sink::start(Sink::default()).await.unwrap();
    let sums = |n| futures_util::future::join_all((0..n).map(|_| server.sum()));
    // The first round allocates the lists; the second must give back all
    // it takes: 2,000 calls awaited together, all but one waiting on their
    // deadlines until answered.
    assert!(sums(10).await.into_iter().all(|sum| sum == Ok(0)));
    settle().await;
    let before = counting::live();
    assert!(sums(2_000).await.into_iter().all(|sum| sum == Ok(0)));
    // The mailbox gives back what the burst took once empty for 100 ms.
    tokio::time::sleep(Duration::from_millis(150)).await;
    settle().await;
    let kept = live_above(before);
    assert!(kept < 512, "kept {kept} bytes after 2,000 answered calls");
}
