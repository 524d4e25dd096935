//! What observability costs on the message path: call latency and cast
//! throughput of genserver against the hand-written tokio actor, with no
//! `tracing` subscriber and with one at the info level (the `fmt`
//! subscriber, writing to a sink), in the same process and run. Run it
//! once more with `--no-default-features` for the figures with the
//! `tracing` feature compiled out.
//!
//! `bash genserver/benches/ratios.sh 5 "" observability` prints the ratios.

#![allow(missing_docs)]
#![allow(clippy::wildcard_imports)]

mod common;

use common::*;
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

/// The server, written with `#[gen_server]`.
#[path = "common/kv.rs"]
mod kv;
use kv::Kv;

/// The hand-written actor: the cost floor.
#[path = "common/hand_written.rs"]
mod hand_written;

const CALLS: u64 = 1_000;
const CASTS: u64 = 100_000;

/// What a workload runs under: no subscriber, or one at the info level
/// with servers recording the names of their messages (the default) or the
/// whole messages.
#[derive(Clone, Copy)]
enum Watch {
    Nobody,
    Names,
    Full,
}

/// Runs `f` with an info-level `fmt` subscriber writing to a sink as this
/// thread's default, or with none.
fn with_subscriber<R>(watch: Watch, f: impl FnOnce() -> R) -> R {
    genserver::sys::set_recording(match watch {
        Watch::Full => genserver::sys::Recording::Full,
        Watch::Nobody | Watch::Names => genserver::sys::Recording::Names,
    });
    if matches!(watch, Watch::Nobody) {
        return f();
    }
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::with_default(subscriber, f)
}

fn calls_baseline(bencher: Bencher<'_, '_>, watch: Watch) {
    with_subscriber(watch, || {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        server.put(1, 7);
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            runtime.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(server.get(1).await, Some(7));
                }
            });
        });
    });
}

fn calls_genserver(bencher: Bencher<'_, '_>, watch: Watch) {
    with_subscriber(watch, || {
        let runtime = current_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        server.put(1, 7).unwrap();
        bencher.counter(ItemsCount::new(CALLS)).bench_local(|| {
            runtime.block_on(async {
                for _ in 0..CALLS {
                    assert_eq!(server.get(1).await.unwrap(), Some(7));
                }
            });
        });
    });
}

fn casts_baseline(bencher: Bencher<'_, '_>, watch: Watch) {
    with_subscriber(watch, || {
        let runtime = current_thread();
        let (server, _task) = runtime.block_on(async { hand_written::Kv::spawn() });
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for n in 0..CASTS {
                    server.put(1, n);
                }
                assert_eq!(server.get(1).await, Some(CASTS - 1));
            });
        });
    });
}

fn casts_genserver(bencher: Bencher<'_, '_>, watch: Watch) {
    with_subscriber(watch, || {
        let runtime = current_thread();
        let server = runtime.block_on(Kv::start(Kv::default())).unwrap();
        bencher.counter(ItemsCount::new(CASTS)).bench_local(|| {
            runtime.block_on(async {
                for n in 0..CASTS {
                    server.put(1, n).unwrap();
                }
                assert_eq!(server.get(1).await.unwrap(), Some(CASTS - 1));
            });
        });
    });
}

/// No subscriber: `tracing` compiled in (unless built without the
/// feature), nobody listening.
mod no_subscriber_call {
    use super::*;

    #[divan::bench]
    fn baseline(bencher: Bencher<'_, '_>) {
        calls_baseline(bencher, Watch::Nobody);
    }

    #[divan::bench]
    fn genserver(bencher: Bencher<'_, '_>) {
        calls_genserver(bencher, Watch::Nobody);
    }
}

mod no_subscriber_cast {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn baseline(bencher: Bencher<'_, '_>) {
        casts_baseline(bencher, Watch::Nobody);
    }

    #[divan::bench(sample_count = 20)]
    fn genserver(bencher: Bencher<'_, '_>) {
        casts_genserver(bencher, Watch::Nobody);
    }
}

/// A subscriber at the info level: crash reports are listened for, so each
/// server records the name of the message it handles.
mod info_subscriber_call {
    use super::*;

    #[divan::bench]
    fn baseline(bencher: Bencher<'_, '_>) {
        calls_baseline(bencher, Watch::Names);
    }

    #[divan::bench]
    fn genserver(bencher: Bencher<'_, '_>) {
        calls_genserver(bencher, Watch::Names);
    }
}

mod info_subscriber_cast {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn baseline(bencher: Bencher<'_, '_>) {
        casts_baseline(bencher, Watch::Names);
    }

    #[divan::bench(sample_count = 20)]
    fn genserver(bencher: Bencher<'_, '_>) {
        casts_genserver(bencher, Watch::Names);
    }
}

/// The same, with `Recording::Full`: each message's `Debug` is recorded.
mod info_subscriber_full_call {
    use super::*;

    #[divan::bench]
    fn baseline(bencher: Bencher<'_, '_>) {
        calls_baseline(bencher, Watch::Full);
    }

    #[divan::bench]
    fn genserver(bencher: Bencher<'_, '_>) {
        calls_genserver(bencher, Watch::Full);
    }
}

mod info_subscriber_full_cast {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn baseline(bencher: Bencher<'_, '_>) {
        casts_baseline(bencher, Watch::Full);
    }

    #[divan::bench(sample_count = 20)]
    fn genserver(bencher: Bencher<'_, '_>) {
        casts_genserver(bencher, Watch::Full);
    }
}
