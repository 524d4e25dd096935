//! Start: `init` runs inside the new server before `start` returns; a failed
//! start leaves no task and no name behind; names are unique and typed.

#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use genserver::prelude::*;
use support::{alive_tasks, unique_name};

#[derive(Debug)]
struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    /// Fails for 0, panics for 13, and waits a little, as a real init might.
    #[init]
    async fn init(start: u64) -> Result<Self, String> {
        tokio::task::yield_now().await;
        match start {
            0 => Err("cannot start from zero".to_owned()),
            13 => panic!("unlucky start"),
            n => Ok(Counter { n }),
        }
    }

    #[call]
    fn next(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

#[derive(Debug)]
struct Other;

#[gen_server]
impl Other {
    #[cast]
    fn nothing(&mut self) {}
}

#[tokio::test]
async fn init_runs_before_start_returns() {
    let _watchdog = support::watchdog();
    let counter = Counter::start(41).await.unwrap();
    assert!(counter.is_alive());
    assert_eq!(counter.next().await.unwrap(), 42);
}

#[tokio::test]
async fn an_init_error_is_returned_and_leaves_nothing_behind() {
    let _watchdog = support::watchdog();
    let before = alive_tasks();
    let name = unique_name("init-error");
    for _ in 0..100 {
        let error = Counter::start_named(&name, 0).await.unwrap_err();
        assert!(matches!(&error, StartError::Init(message) if message == "cannot start from zero"));
        assert_eq!(error.to_string(), "init failed: cannot start from zero");
    }
    assert!(genserver::whereis::<Counter>(&name).is_none());
    assert_eq!(alive_tasks(), before);
    // The name works for a server whose init succeeds.
    let counter = Counter::start_named(&name, 1).await.unwrap();
    assert_eq!(counter.next().await.unwrap(), 2);
}

#[tokio::test]
async fn an_init_panic_is_returned_and_leaves_nothing_behind() {
    let _watchdog = support::watchdog();
    let before = alive_tasks();
    let name = unique_name("init-panic");
    for _ in 0..100 {
        let error = Counter::start_named(&name, 13).await.unwrap_err();
        assert!(
            matches!(&error, StartError::Exit(ExitReason::Panic(message)) if &**message == "unlucky start"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "server exited during init: panicked: unlucky start"
        );
    }
    assert!(genserver::whereis::<Counter>(&name).is_none());
    assert_eq!(alive_tasks(), before);
}

#[tokio::test]
async fn a_taken_name_gives_already_started_with_a_working_ref() {
    let _watchdog = support::watchdog();
    let name = unique_name("duplicate");
    let first = Counter::start_named(&name, 10).await.unwrap();
    let error = Counter::start_named(&name, 100).await.unwrap_err();
    assert!(error.to_string().starts_with("already started"), "{error}");
    let StartError::AlreadyStarted(existing) = error else {
        panic!("expected AlreadyStarted, got {error:?}");
    };
    assert_eq!(existing, first);
    assert_eq!(existing.next().await.unwrap(), 11);
    assert_eq!(first.next().await.unwrap(), 12);
    assert_eq!(first.name(), Some(name.as_str()));
}

#[tokio::test]
async fn a_name_held_by_another_type_is_not_found_and_cannot_be_taken() {
    let _watchdog = support::watchdog();
    let name = unique_name("typed");
    let _other = Other::start_named(&name, Other).await.unwrap();
    assert!(genserver::whereis::<Counter>(&name).is_none());
    assert!(genserver::whereis::<Other>(&name).is_some());
    let error = Counter::start_named(&name, 5).await.unwrap_err();
    assert!(
        matches!(&error, StartError::NameInUse(taken) if *taken == name),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_name_is_taken_before_init_runs() {
    let _watchdog = support::watchdog();
    let name = unique_name("racing");
    let (a, b) = tokio::join!(
        Counter::start_named(&name, 1),
        Counter::start_named(&name, 2)
    );
    let (winner, loser) = if a.is_ok() { (a, b) } else { (b, a) };
    let winner = winner.unwrap();
    let Err(StartError::AlreadyStarted(existing)) = loser else {
        panic!("the second start must see the first");
    };
    assert_eq!(existing, winner);
}

#[test]
fn start_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let _watchdog = support::watchdog();
    let mut start = pin!(Counter::start(1));
    let mut cx = Context::from_waker(Waker::noop());
    match start.as_mut().poll(&mut cx) {
        Poll::Ready(Err(StartError::NoRuntime)) => {}
        other => panic!("expected NoRuntime, got {:?}", other.map(|r| r.map(|_| ()))),
    }
}

#[tokio::test]
async fn each_server_has_its_own_id() {
    let _watchdog = support::watchdog();
    let a = Counter::start(1).await.unwrap();
    let b = Counter::start(1).await.unwrap();
    assert_ne!(a.id(), b.id());
    assert_eq!(a.clone().id(), a.id());
    assert!(a.id().to_string().starts_with("<0."));
    assert!(format!("{a:?}").contains("ServerRef"));
}

#[derive(Debug)]
struct SlowInit;

#[gen_server]
impl SlowInit {
    #[init]
    async fn init(millis: u64) -> Self {
        tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        SlowInit
    }

    #[call]
    fn ping(&self) -> u8 {
        1
    }
}

#[tokio::test]
async fn a_server_killed_during_init_fails_its_start_with_killed() {
    use std::time::{Duration, Instant};

    let _watchdog = support::watchdog();
    let name = unique_name("slow-init");
    let started = Instant::now();
    let starting = tokio::spawn({
        let name = name.clone();
        async move { SlowInit::start_named(&name, 60_000).await.map(|_| ()) }
    });
    // The name is registered before init runs, so the server can be found
    // (and stopped) while init is still waiting.
    let server = loop {
        if let Some(server) = genserver::whereis::<SlowInit>(&name) {
            break server;
        }
        tokio::task::yield_now().await;
    };
    server.kill().await.unwrap();
    let error = starting.await.unwrap().unwrap_err();
    assert!(
        matches!(error, StartError::Exit(ExitReason::Killed)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(genserver::whereis::<SlowInit>(&name).is_none());
    assert_eq!(server.ping().await.unwrap_err(), CallError::NoProc);
}

#[tokio::test(start_paused = true)]
async fn an_init_that_overruns_the_start_timeout_is_killed_and_its_name_freed() {
    // `gen_server_SUITE:start/1`: `{timeout, 100}` with a slow init gives
    // `{error, timeout}`, and the process is killed.
    use std::time::Duration;

    let _watchdog = support::watchdog();
    let name = unique_name("start-timeout");
    let options = StartOptions::new()
        .name(&name)
        .timeout(Duration::from_millis(100));
    let error = SlowInit::start_with(options, 60_000).await.unwrap_err();
    assert!(matches!(error, StartError::Timeout), "{error:?}");
    assert_eq!(
        error.to_string(),
        "init did not finish within the start timeout"
    );
    assert!(
        genserver::whereis::<SlowInit>(&name).is_none(),
        "the name is free"
    );
    support::eventually(Duration::from_secs(1), || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
            == 0
    })
    .await;

    // Within the timeout, the server starts as usual under the same name.
    let options = StartOptions::new()
        .name(&name)
        .timeout(Duration::from_millis(100));
    let server = SlowInit::start_with(options, 50).await.unwrap();
    assert_eq!(server.ping().await.unwrap(), 1);
    assert_eq!(server.name(), Some(name.as_str()));
}

struct Optional;

#[gen_server]
impl Optional {
    /// `:ignore` when told to.
    #[init]
    fn init(start: bool) -> Option<Self> {
        start.then_some(Optional)
    }

    #[call]
    fn ping(&self) -> u8 {
        1
    }
}

struct OptionalOrFailing;

#[gen_server]
impl OptionalOrFailing {
    #[init]
    fn init(outcome: Result<bool, String>) -> Result<Option<Self>, String> {
        Ok(outcome?.then_some(OptionalOrFailing))
    }
}

#[tokio::test]
async fn init_can_choose_not_to_start_and_leaves_nothing_behind() {
    let _watchdog = support::watchdog();
    // `gen_server_SUITE:start/1` and `otp_7669`: `ignore` from init.
    let name = unique_name("ignored");
    let error = Optional::start_named(&name, false).await.unwrap_err();
    assert!(matches!(error, StartError::Ignore), "{error:?}");
    assert_eq!(error.to_string(), "init chose not to start the server");
    assert!(genserver::whereis::<Optional>(&name).is_none());
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0
    );
    let server = Optional::start_named(&name, true).await.unwrap();
    assert_eq!(server.ping().await.unwrap(), 1);

    assert!(matches!(
        OptionalOrFailing::start(Ok(false)).await,
        Err(StartError::Ignore)
    ));
    assert!(matches!(
        OptionalOrFailing::start(Err("no".into())).await,
        Err(StartError::Init(error)) if error == "no"
    ));
    assert!(OptionalOrFailing::start(Ok(true)).await.is_ok());
}

struct Introduced {
    id: genserver::ServerId,
    name: Option<String>,
}

#[gen_server]
impl Introduced {
    #[init]
    fn init(ctx: &mut genserver::Context<Self>) -> Self {
        Introduced {
            id: ctx.id(),
            name: ctx.name().map(str::to_owned),
        }
    }

    #[call]
    fn who(&self) -> (genserver::ServerId, Option<String>) {
        (self.id, self.name.clone())
    }
}

#[tokio::test]
async fn init_can_take_the_context() {
    let _watchdog = support::watchdog();
    let name = unique_name("introduced");
    let server = Introduced::start_named(&name).await.unwrap();
    assert_eq!(server.who().await.unwrap(), (server.id(), Some(name)));
}

/// Names are `String`s or `&str` alike, the list of names shows them, and
/// a taken name says which name it is.
#[tokio::test]
async fn names_built_at_run_time_and_errors_that_say_which() {
    let _watchdog = support::watchdog();
    let id = support::unique_name("room");
    let name = format!("room:{id}");
    let first = Counter::start_named(name.clone(), 1).await.unwrap();
    assert!(genserver::registered().contains(&name));
    let again = Counter::start_named(name.as_str(), 1).await;
    let error = again.expect_err("the name is taken");
    assert_eq!(
        error.to_string(),
        format!(
            "already started: the name `{name}` is registered to {}",
            first.id()
        )
    );
    first.stop().await.unwrap();
    assert!(!genserver::registered().contains(&name));
}

/// An init error whose `Display` panics: the start still returns the
/// error (`StartError::Init`), and the server's exit reason says what
/// happened; user code never runs unguarded in the runtime.
#[tokio::test]
async fn an_init_error_whose_display_panics_is_still_returned() {
    let _watchdog = support::watchdog();
    let started = Touchy::start().await;
    let Err(StartError::Init(error)) = started else {
        panic!("the init error comes back: {started:?}")
    };
    assert_eq!(error.0, 7);
}

#[derive(Debug)]
struct TouchyError(u32);

impl std::fmt::Display for TouchyError {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("this error cannot be shown");
    }
}

struct Touchy;

#[gen_server]
impl Touchy {
    #[init]
    fn init() -> Result<Self, TouchyError> {
        Err(TouchyError(7))
    }
}

/// Blocks its thread in `init` for `millis`, then awaits: a start timeout
/// shorter than that kills it only when the block ends.
struct Stubborn;

#[gen_server]
impl Stubborn {
    #[init]
    async fn init(millis: u64) -> Self {
        std::thread::sleep(std::time::Duration::from_millis(millis));
        tokio::task::yield_now().await;
        Stubborn
    }

    #[call]
    fn ping(&self) {}
}

/// A start that timed out frees its name at once; when the killed `init`'s
/// task finally ends, it must not free the name again, now that another
/// server has taken it (registry.rs's `unregister` checks whose name it
/// frees: from cargo mutants' survivors).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_start_does_not_free_the_name_its_successor_took() {
    use std::time::Duration;

    let _watchdog = support::watchdog();
    let name = unique_name("successor");
    let options = StartOptions::new()
        .name(&name)
        .timeout(Duration::from_millis(20));
    let error = Stubborn::start_with(options, 300).await.unwrap_err();
    assert!(matches!(error, StartError::Timeout), "{error:?}");
    let successor = Stubborn::start_named(&name, 0).await.unwrap();
    // Only the successor's task is left once the killed one has ended,
    // its clean-up done.
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    support::eventually(Duration::from_secs(5), || tasks() == 1).await;
    assert_eq!(
        genserver::whereis::<Stubborn>(&name),
        Some(successor.clone())
    );
    support::within(
        Duration::from_secs(5),
        "the successor's stop",
        successor.stop(),
    )
    .await
    .unwrap();
}
