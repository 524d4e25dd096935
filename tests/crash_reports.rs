//! Crash and supervisor reports through `tracing`, and each server's span:
//! what OTP's logger prints for a `gen_server` that terminates abnormally
//! (`gen_server:error_info/7`: the server, its last message, its state and
//! the reason) and for a supervisor (`supervisor:report_error/4`), and
//! nothing for the orderly reasons.
//!
//! Each test runs a current-thread runtime inside a recording subscriber,
//! so that every event of its servers is seen on its own thread.

#![allow(missing_docs)]

mod support;

#[path = "support/recorder.rs"]
mod recorder;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use genserver::prelude::*;
use genserver::sys::{self, Recording};
use recorder::{Event, Recorder};

/// A state with a secret its `Debug` hides: OTP's `format_status/1`.
#[derive(Clone)]
struct Vault {
    secret: String,
    opened: u32,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("secret", &"<redacted>")
            .field("opened", &self.opened)
            .finish()
    }
}

/// An argument type without `Debug`: shown as `_`.
struct Opaque;

/// An argument whose destructor panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the bomb went off in drop");
    }
}

#[gen_server]
impl Vault {
    #[cast]
    fn open(&mut self, by: String, _token: Opaque) {
        self.opened += 1;
        tracing::info!(by = %by, "opened");
        assert!(
            by != "mallory",
            "{by} may not open the vault {}",
            self.secret.len()
        );
    }

    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    /// Panics and catches its own panic.
    #[call]
    fn catch_own(&mut self) -> bool {
        std::panic::catch_unwind(|| panic!("caught by the handler")).is_err()
    }

    #[cast]
    fn hold(&mut self, bomb: Bomb) {
        std::mem::forget(bomb);
    }

    #[call]
    fn leave(&mut self, reason: ExitReason, ctx: &mut Context<Self>) -> u32 {
        ctx.stop(reason);
        self.opened
    }
}

fn vault() -> Vault {
    Vault {
        secret: "hunter2".into(),
        opened: 0,
    }
}

/// Runs `test` on a current-thread runtime inside a fresh recorder, with
/// servers recording their messages as `recording` says, and returns what
/// it recorded. One test at a time: the recording is the process's.
fn recorded(recording: Recording, test: impl std::future::Future<Output = ()>) -> Vec<Event> {
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    sys::set_recording(recording);
    recorder::hook();
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), test)
                .await
                .expect("the test timed out");
        });
    });
    recorder.events()
}

fn crashes(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|event| event.target == "genserver::crash")
        .collect()
}

/// `gen_server_SUITE`: `call_remote_n3`'s crash report, in substance: a
/// handler's panic is reported once, with the server, its name and type,
/// the reason, the panic's location, the message being handled (its
/// `Debug`, non-`Debug` arguments as `_`) and the state as its `Debug`
/// shows it (the secret hidden). The panic hook prints nothing more.
#[test]
fn a_panicking_handler_is_reported_with_its_message_state_and_location() {
    let _watchdog = support::watchdog();
    let printed = recorder::hook_prints();
    let events = recorded(Recording::Full, async {
        let server = Vault::start_named("vault", vault()).await.unwrap();
        server.open("alice".into(), Opaque).unwrap();
        server.open("mallory".into(), Opaque).unwrap();
        let reason = server.exited().await;
        assert_eq!(
            reason.panic_message(),
            Some("mallory may not open the vault 7")
        );
    });
    assert_eq!(recorder::hook_prints() - printed, 0, "printed by the hook");
    let crashes = crashes(&events);
    assert_eq!(crashes.len(), 1, "{events:#?}");
    let crash = crashes[0];
    assert_eq!(crash.level, tracing::Level::ERROR);
    assert_eq!(crash.field("name"), Some("vault"));
    assert!(crash.field("server").unwrap().starts_with("<0."));
    assert_eq!(crash.field("server_type"), Some("crash_reports::Vault"));
    assert_eq!(
        crash.field("reason"),
        Some("panicked: mallory may not open the vault 7")
    );
    assert_eq!(
        crash.field("last_message"),
        Some(r#"Open { by: "mallory", _token: _ }"#)
    );
    assert_eq!(
        crash.field("state"),
        Some(r#"Vault { secret: "<redacted>", opened: 2 }"#)
    );
    let location = crash.field("location").unwrap();
    assert!(
        location.starts_with("tests/crash_reports.rs:"),
        "{location}"
    );
    assert!(!format!("{crash:?}").contains("hunter2"), "{crash:?}");
    assert!(
        crash.message.contains("terminating in a handler"),
        "{crash:?}"
    );
    // A backtrace when `RUST_BACKTRACE` asks for one, and none otherwise.
    let wanted =
        std::backtrace::Backtrace::capture().status() == std::backtrace::BacktraceStatus::Captured;
    match crash.field("backtrace") {
        Some(backtrace) => {
            assert!(wanted, "a backtrace nobody asked for: {backtrace}");
            assert!(backtrace.contains("crash_reports"), "{backtrace}");
        }
        None => assert!(!wanted, "no backtrace: {crash:?}"),
    }

    // The same report is kept for `sys::recent_crashes`.
    let kept = sys::recent_crashes();
    let kept = kept
        .iter()
        .rev()
        .find(|report| report.name.as_deref() == Some("vault"))
        .expect("the report is kept");
    assert_eq!(
        kept.message.as_deref(),
        Some(r#"Open { by: "mallory", _token: _ }"#)
    );
    assert!(
        kept.location
            .as_deref()
            .unwrap()
            .contains("crash_reports.rs")
    );
}

/// Each server's handlers run inside its span: what they log says which
/// server logged it.
#[test]
fn what_a_handler_logs_carries_the_servers_span() {
    let _watchdog = support::watchdog();
    let events = recorded(Recording::Full, async {
        let server = Vault::start_named("spanned", vault()).await.unwrap();
        server.open("alice".into(), Opaque).unwrap();
        assert_eq!(server.leave(ExitReason::Normal).await.unwrap(), 1);
    });
    let opened: Vec<&Event> = events.iter().filter(|e| e.message == "opened").collect();
    assert_eq!(opened.len(), 1, "{events:#?}");
    let span = &opened[0].spans;
    assert_eq!(span.len(), 1, "{span:?}");
    assert_eq!(span[0].name, "server");
    assert_eq!(span[0].field("name"), Some("spanned"));
    assert_eq!(span[0].field("server_type"), Some("crash_reports::Vault"));
    assert!(span[0].field("id").unwrap().starts_with("<0."));
    assert!(crashes(&events).is_empty(), "{events:#?}");
}

/// `gen_server_SUITE` `stop1`..`stop10` in substance: a stop with `normal`,
/// `shutdown` or `{shutdown, term}` is no crash; any other reason is
/// reported, with the last message handled: by default, its name.
#[test]
fn only_abnormal_reasons_are_reported() {
    let _watchdog = support::watchdog();
    for reason in [
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::shutdown("closed"),
    ] {
        let events = recorded(Recording::Full, async move {
            let server = Vault::start(vault()).await.unwrap();
            server.leave(reason).await.unwrap();
            server.exited().await;
        });
        assert!(crashes(&events).is_empty(), "{events:#?}");
    }
    let events = recorded(Recording::Names, async {
        let server = Vault::start(vault()).await.unwrap();
        server
            .leave(ExitReason::custom("lost the keys"))
            .await
            .unwrap();
        server.exited().await;
    });
    let crashes = crashes(&events);
    assert_eq!(crashes.len(), 1, "{events:#?}");
    assert_eq!(crashes[0].field("reason"), Some("lost the keys"));
    assert_eq!(crashes[0].field("last_message"), Some("Leave"));
    assert_eq!(crashes[0].field("location"), None);
}

struct Failing;

#[gen_server]
impl Failing {
    #[init]
    fn init(how: &'static str) -> Result<Self, String> {
        match how {
            "error" => Err("no database".into()),
            "panic" => panic!("init blew up"),
            _ => Ok(Failing),
        }
    }

    #[cast]
    fn poke(&mut self) {}

    #[terminate]
    fn terminate(&mut self) {
        panic!("terminate blew up");
    }
}

/// `gen_server_SUITE` `start`: an `init` that fails or panics is reported
/// (the starter gets the error too); a panicking `terminate` is reported
/// with its own panic, and a state type without `Debug` says so.
#[test]
fn init_failures_and_terminate_panics_are_reported() {
    let _watchdog = support::watchdog();
    let events = recorded(Recording::Names, async {
        assert!(matches!(
            Failing::start("error").await,
            Err(StartError::Init(_))
        ));
        assert!(matches!(
            Failing::start("panic").await,
            Err(StartError::Exit(_))
        ));
        let server = Failing::start("ok").await.unwrap();
        server.poke().unwrap();
        assert_eq!(
            server.stop().await,
            Err(StopError::Exit(ExitReason::Panic(
                "terminate blew up".into()
            )))
        );
    });
    let crashes = crashes(&events);
    assert_eq!(crashes.len(), 3, "{events:#?}");
    assert_eq!(crashes[0].field("reason"), Some("init failed: no database"));
    assert!(crashes[0].message.contains("terminating in init"));
    assert_eq!(crashes[1].field("reason"), Some("panicked: init blew up"));
    assert!(
        crashes[1]
            .field("location")
            .unwrap()
            .starts_with("tests/crash_reports.rs:")
    );
    assert_eq!(
        crashes[2].field("reason"),
        Some("panicked: terminate blew up")
    );
    assert!(crashes[2].message.contains("terminating in terminate"));
    assert_eq!(crashes[2].field("last_message"), Some("Poke"));
    assert_eq!(
        crashes[2].field("state"),
        Some("<crash_reports::Failing does not implement Debug>")
    );
}

/// A panic in user code that no one else hears of, here a queued message's
/// destructor as a stopping server drops it, is logged, once, and stops
/// nothing else.
#[test]
fn a_panic_dropping_a_queued_message_is_logged() {
    let _watchdog = support::watchdog();
    let printed = recorder::hook_prints();
    let events = recorded(Recording::Names, async {
        let server = Vault::start(vault()).await.unwrap();
        server.quit().unwrap();
        server.hold(Bomb).unwrap();
        assert_eq!(server.exited().await, ExitReason::Normal);
    });
    assert_eq!(recorder::hook_prints() - printed, 0, "printed by the hook");
    let crashes = crashes(&events);
    assert_eq!(crashes.len(), 1, "{events:#?}");
    assert_eq!(
        crashes[0].message,
        "dropping the queued messages panicked: the bomb went off in drop"
    );
    assert!(
        crashes[0]
            .field("location")
            .unwrap()
            .starts_with("tests/crash_reports.rs:")
    );
}

/// The README's caveat: while crash reports reach a subscriber, a panic a
/// handler catches itself is not printed by the hook, nor reported; the
/// server runs on.
#[test]
fn a_panic_a_handler_catches_itself_is_not_printed() {
    let _watchdog = support::watchdog();
    let printed = recorder::hook_prints();
    let events = recorded(Recording::Names, async {
        let server = Vault::start(vault()).await.unwrap();
        assert_eq!(server.catch_own().await, Ok(true));
        assert_eq!(server.leave(ExitReason::Normal).await, Ok(0));
    });
    assert_eq!(recorder::hook_prints() - printed, 0, "printed by the hook");
    assert!(crashes(&events).is_empty(), "{events:#?}");
}

/// The runtime's hook keeps quiet only about panics in servers' tasks: while
/// crash reports reach a subscriber, a panic in the test's own code (here in
/// the task that started the server) still goes to the hook that was there
/// before, as a panic in a server's task does not.
#[test]
fn a_panic_outside_any_server_reaches_the_previous_hook() {
    let _watchdog = support::watchdog();
    let printed = recorder::hook_prints();
    let events = recorded(Recording::Names, async {
        // The runtime's hook is installed by the first start.
        let server = Vault::start(vault()).await.unwrap();
        let caught = std::panic::catch_unwind(|| panic!("the test's own panic"));
        assert!(caught.is_err());
        assert_eq!(server.catch_own().await, Ok(true));
    });
    assert_eq!(
        recorder::hook_prints() - printed,
        1,
        "the test's panic printed, the server's not"
    );
    assert!(crashes(&events).is_empty(), "{events:#?}");
}

/// Without a subscriber that takes crash reports, the panic hook that was
/// there before prints a server's panic, as if the runtime were not there.
#[test]
fn without_a_subscriber_the_previous_hook_prints_the_panic() {
    let _watchdog = support::watchdog();
    recorder::hook();
    let printed = recorder::hook_prints();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Vault::start(vault()).await.unwrap();
        server.open("mallory".into(), Opaque).unwrap();
        let reason = tokio::time::timeout(Duration::from_secs(10), server.exited())
            .await
            .unwrap();
        assert!(reason.panic_message().is_some());
    });
    assert_eq!(recorder::hook_prints() - printed, 1);
}

/// A supervisor's reports: each child started (info), a child that
/// crashed (error), and giving up at the restart intensity (error);
/// `supervisor:report_error/4`'s `child_terminated` and `shutdown`.
#[test]
fn supervisors_report_starts_crashes_and_giving_up() {
    let _watchdog = support::watchdog();
    let events = recorded(Recording::Off, async {
        let options = SupervisorOptions::default().max_restarts(1);
        let spec = Vault::child_spec(vault()).id("vault");
        let supervisor = Supervisor::start(options, vec![spec]).await.unwrap();
        for _ in 0..2 {
            let child = supervisor.which_children().await.unwrap()[0].state.clone();
            let genserver::supervisor::ChildState::Running(child) = child else {
                panic!("the vault runs");
            };
            let child = child.downcast::<Vault>().unwrap();
            child.open("mallory".into(), Opaque).unwrap();
            child.exited().await;
        }
        assert_eq!(supervisor.exited().await, ExitReason::Shutdown);
    });
    let reports: Vec<&Event> = events
        .iter()
        .filter(|event| event.target == "genserver::supervisor")
        .collect();
    let started = reports
        .iter()
        .filter(|e| e.level == tracing::Level::INFO && e.message.contains("started child"))
        .count();
    assert_eq!(started, 2, "{reports:#?}");
    let terminated: Vec<_> = reports
        .iter()
        .filter(|e| e.message.contains("terminated"))
        .collect();
    assert_eq!(terminated.len(), 2, "{reports:#?}");
    assert_eq!(terminated[0].level, tracing::Level::ERROR);
    assert_eq!(terminated[0].field("child"), Some("vault"));
    assert!(terminated[0].field("reason").unwrap().contains("mallory"));
    let gave_up = reports
        .iter()
        .filter(|e| e.message.contains("maximum restart intensity"))
        .count();
    assert_eq!(gave_up, 1, "{reports:#?}");
    // The children's own crash reports, one per crash, without the last
    // message: recording is off.
    let crashes = crashes(&events);
    assert_eq!(crashes.len(), 2);
    assert!(
        crashes
            .iter()
            .all(|crash| crash.field("last_message").is_none())
    );
    assert!(crashes.iter().all(|crash| crash.field("state").is_some()));
}
