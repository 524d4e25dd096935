//! Info messages (`handle_info/2`): sent by other code, typed, in order with
//! the casts of the same sender; the default `handle_info` of a hand-written
//! server logs and drops, as `use GenServer`'s does; and a server's own
//! handles, strong and weak.

#![allow(missing_docs)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use support::{Log, eventually};

struct Listener {
    log: Log,
}

#[gen_server]
impl Listener {
    #[cast]
    fn note(&mut self, n: u32) {
        self.log.push(format!("cast {n}"));
    }

    #[info]
    fn event(&mut self, n: u32) {
        self.log.push(format!("info {n}"));
    }

    #[info]
    fn ping(&mut self) {
        self.log.push("ping");
    }

    #[call]
    fn events(&self) -> Vec<String> {
        self.log.events()
    }
}

#[tokio::test]
async fn info_messages_keep_their_order_with_the_senders_casts() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Listener::start(Listener { log }).await.unwrap();
    for n in 0..3 {
        server.note(n).unwrap();
        server.send_info(ListenerInfo::Event { n }).unwrap();
    }
    server.send_info(ListenerInfo::Ping).unwrap();
    assert_eq!(
        server.events().await.unwrap(),
        [
            "cast 0", "info 0", "cast 1", "info 1", "cast 2", "info 2", "ping"
        ]
    );
    assert_eq!(
        format!("{:?}", ListenerInfo::Event { n: 1 }),
        "Event { n: 1 }"
    );
    assert_eq!(format!("{:?}", ListenerInfo::Ping), "Ping");
}

#[tokio::test]
async fn an_info_message_to_a_stopped_server_comes_back() {
    let _watchdog = support::watchdog();
    let server = Listener::start(Listener {
        log: Log::default(),
    })
    .await
    .unwrap();
    server.stop().await.unwrap();
    let error = server.send_info(ListenerInfo::Event { n: 7 }).unwrap_err();
    assert!(matches!(error.into_message(), ListenerInfo::Event { n: 7 }));
}

/// A server written without the macro and without `handle_info`: the
/// runtime's default logs what it drops.
struct Bare;

impl GenServer for Bare {
    type Message = ();
    type Info = &'static str;
    type InitArg = ();
    type InitError = std::convert::Infallible;
    type Client = BareClient;

    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Option<Self>, Self::InitError> {
        Ok(Some(Bare))
    }

    async fn handle_message(&mut self, (): (), _ctx: &mut Context<Self>) {}
}

#[derive(Debug)]
struct BareClient(genserver::__private::RawRef<Bare>);

impl genserver::__private::ClientOf<Bare> for BareClient {
    fn from_raw(raw: genserver::__private::RawRef<Bare>) -> Self {
        Self(raw)
    }

    fn raw(&self) -> &genserver::__private::RawRef<Bare> {
        &self.0
    }
}

/// Records the events logged through `tracing`, with their fields.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!("{} ", event.metadata().level()));
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn the_default_handle_info_logs_an_error_and_drops_the_message() {
    let _watchdog = support::watchdog();
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(recorder.clone(), || {
        runtime.block_on(async {
            let server = genserver::__private::start::<Bare>(StartOptions::new().name("bare"), ())
                .await
                .unwrap();
            server.send_info("unexpected").unwrap();
            server.stop().await.unwrap();
        });
    });
    let events = recorder.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert!(event.starts_with("ERROR "), "{event}");
    assert!(
        event.contains("message=info message dropped: the server has no handler for it "),
        "{event}"
    );
    assert!(event.contains("name=\"bare\""), "{event}");
    assert!(event.contains("info_type=\"&str\""), "{event}");
}

struct Keeper {
    me: Option<WeakRef<Keeper>>,
    strong: Option<ServerRef<Keeper>>,
    log: Log,
}

#[gen_server]
impl Keeper {
    #[init]
    fn init(log: Log, keep_strong: bool, ctx: &mut Context<Self>) -> Self {
        Keeper {
            me: Some(ctx.weak()),
            strong: keep_strong.then(|| ctx.handle()),
            log,
        }
    }

    /// Upgrades the weak handle it keeps: `self()` from the state.
    #[call]
    fn myself_is_me(&self, ctx: &mut Context<Self>) -> bool {
        self.me
            .as_ref()
            .and_then(WeakRef::upgrade)
            .is_some_and(|me| me.id() == ctx.id())
    }

    #[call]
    fn drop_strong(&mut self) {
        self.strong = None;
    }

    /// How the context shows itself.
    #[call]
    fn context(&self, ctx: &mut Context<Self>) -> String {
        let before = format!("{ctx:?}");
        ctx.stop(ExitReason::Normal);
        format!("{before} then {ctx:?}")
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate: {reason}"));
    }
}

#[tokio::test]
async fn a_server_keeping_a_weak_handle_to_itself_still_stops_when_unreachable() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Keeper::start(log.clone(), false).await.unwrap();
    assert!(server.myself_is_me().await.unwrap());
    let weak = server.downgrade();
    assert_eq!(weak.id(), server.id());
    drop(server);
    eventually(Duration::from_secs(5), || !log.events().is_empty()).await;
    assert_eq!(log.events(), ["terminate: normal"]);
    assert!(weak.upgrade().is_none());
}

#[tokio::test]
async fn a_server_keeping_a_strong_handle_to_itself_runs_until_it_lets_go() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Keeper::start(log.clone(), true).await.unwrap();
    let weak = server.downgrade();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(log.events().is_empty(), "its own handle keeps it running");
    let server = weak.upgrade().expect("still running");
    server.drop_strong().await.unwrap();
    drop(server);
    eventually(Duration::from_secs(5), || !log.events().is_empty()).await;
    assert_eq!(log.events(), ["terminate: normal"]);
}

struct Reviver {
    log: Log,
}

#[gen_server]
impl Reviver {
    /// Makes a handle to itself while handling a message sent through the
    /// last external handle, and hands it out: the server stays reachable.
    #[cast]
    fn hand_out(
        &mut self,
        to: tokio::sync::oneshot::Sender<ServerRef<Reviver>>,
        ctx: &mut Context<Self>,
    ) {
        let _ = to.send(ctx.handle());
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }

    #[terminate]
    fn terminate(&mut self) {
        self.log.push("terminate");
    }
}

#[tokio::test]
async fn a_handle_made_by_the_server_after_its_last_one_was_dropped_keeps_it_reachable() {
    let _watchdog = support::watchdog();
    let log = Log::default();
    let server = Reviver::start(Reviver { log: log.clone() }).await.unwrap();
    let (to, handed) = tokio::sync::oneshot::channel();
    server.hand_out(to).unwrap();
    drop(server); // the last external handle, with the cast still queued
    let server = handed.await.unwrap();
    assert_eq!(server.ping().await.unwrap(), "pong");
    assert!(log.events().is_empty());
    drop(server);
    eventually(Duration::from_secs(5), || !log.events().is_empty()).await;
}

#[tokio::test]
async fn a_context_shows_its_server_and_whether_it_is_stopping() {
    let _watchdog = support::watchdog();
    let server = Keeper::start(Log::default(), false).await.unwrap();
    let id = server.id();
    assert_eq!(
        server.context().await.unwrap(),
        format!(
            "Context {{ id: {id:?}, stopping: false, .. }} then Context {{ id: {id:?}, stopping: true, .. }}"
        )
    );
}

struct Pinger;

#[gen_server]
impl Pinger {
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

#[tokio::test]
async fn an_upgraded_weak_handle_is_a_handle_of_its_own() {
    let _watchdog = support::watchdog();
    let server = Pinger::start(Pinger).await.unwrap();
    let weak = server.downgrade();
    assert_eq!(
        format!("{weak:?}"),
        format!("WeakRef {{ id: {:?}, .. }}", server.id())
    );
    let upgraded = weak.upgrade().expect("running");
    drop(server);
    // The upgraded handle keeps the server running on its own.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(upgraded.ping().await.unwrap(), "pong");
    let copy = upgraded.clone();
    copy.stop().await.unwrap();
    assert!(
        weak.upgrade().is_none(),
        "a stopped server cannot be upgraded to"
    );
    drop(upgraded);
}

#[tokio::test]
// A handle's hash and equality are its server's id, which never changes.
#[allow(clippy::mutable_key_type)]
async fn handles_compare_and_hash_by_server() {
    use std::collections::HashSet;

    let _watchdog = support::watchdog();
    let first = Pinger::start(Pinger).await.unwrap();
    let second = Pinger::start(Pinger).await.unwrap();
    assert_eq!(first, first.clone());
    assert_ne!(first, second);
    let set: HashSet<_> = [first.clone(), second.clone(), first.clone()]
        .into_iter()
        .collect();
    assert_eq!(set.len(), 2);
}
