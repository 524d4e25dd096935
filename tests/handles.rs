//! Handles as values (equality and hashing, as Erlang compares pids), and
//! what the runtime's public types show through `Debug`.

#![allow(missing_docs)]

mod support;

use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use genserver::AnyRef;
use genserver::prelude::*;
use support::{unique_name, watchdog, within};

const LIMIT: Duration = Duration::from_secs(5);

struct Pinger;

#[gen_server]
impl Pinger {
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }

    #[cast]
    fn poke(&self) {}

    /// Answers with how its own reply slot shows, open and then closed.
    #[call]
    fn show_reply(&self, reply: ReplyTo<String>) {
        let shown = format!("{reply:?}");
        let _ = reply.send(shown);
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Two handles are equal, and hash alike, exactly when they lead to the
/// same server (`=:=` on pids): a clone is equal to its original, handles
/// to two servers are not, typed or type-erased.
#[tokio::test]
async fn handles_to_two_servers_differ_and_hash_apart() {
    let _watchdog = watchdog();
    let first = Pinger::start(Pinger).await.unwrap();
    let second = Pinger::start(Pinger).await.unwrap();
    assert!(first == first.clone());
    assert!(first != second, "two servers, two handles");
    assert_eq!(hash_of(&first), hash_of(&first.clone()));
    assert_ne!(hash_of(&first), hash_of(&second));

    let (any_first, any_second) = (AnyRef::from(first.clone()), AnyRef::from(second.clone()));
    assert!(any_first == AnyRef::from(first.clone()));
    assert!(any_first != any_second, "two servers, two handles");
    assert_eq!(hash_of(&any_first), hash_of(&AnyRef::from(first)));
    assert_ne!(hash_of(&any_first), hash_of(&any_second));
}

/// A server's id is the number its `<0.N.0>` shows, one per server, never
/// reused: a later server's is larger.
#[tokio::test]
async fn a_servers_id_is_the_number_it_shows() {
    let _watchdog = watchdog();
    let first = Pinger::start(Pinger).await.unwrap();
    let second = Pinger::start(Pinger).await.unwrap();
    for server in [&first, &second] {
        let id = server.id();
        assert_eq!(id.to_string(), format!("<0.{}.0>", id.get()));
    }
    assert!(second.id().get() > first.id().get());
}

/// A call shows its server, whether it was sent and its timeout; its
/// reply slot whether its caller still waits.
#[tokio::test]
async fn a_call_and_its_reply_slot_show_what_they_are_at() {
    let _watchdog = watchdog();
    let name = unique_name("shown");
    let server = Pinger::start_named(&name, Pinger).await.unwrap();
    let id = server.id();
    let call = server.ping().timeout(Duration::from_millis(1500));
    assert_eq!(
        format!("{call:?}"),
        format!(
            "Call {{ server: ServerRef {{ id: {id:?}, name: {name:?} }}, \
             sent: false, timeout: Some(1.5s), .. }}"
        )
    );
    let mut call = pin!(call.no_timeout());
    std::future::poll_fn(|cx| {
        assert!(call.as_mut().poll(cx).is_pending(), "sent, not answered");
        Poll::Ready(())
    })
    .await;
    assert!(
        format!("{call:?}").ends_with("sent: true, timeout: None, .. }"),
        "{call:?}"
    );
    assert_eq!(within(LIMIT, "the reply to ping", call).await, Ok("pong"));
    assert_eq!(
        within(LIMIT, "the reply to show_reply", server.show_reply()).await,
        Ok("ReplyTo { closed: false }".to_owned())
    );
}

struct Failing;

#[derive(Clone, Copy)]
enum How {
    Start,
    Fail,
    Panic,
    Hang,
}

#[gen_server]
impl Failing {
    /// Starts, returns an error, panics or never returns, as `how` says.
    #[init]
    async fn init(how: How) -> Result<Self, String> {
        match how {
            How::Hang => std::future::pending().await,
            How::Start => Ok(Failing),
            How::Fail => Err("no luck".into()),
            How::Panic => panic!("init exploded"),
        }
    }
}

/// A refused cast shows its kind without the message (which need not be
/// `Debug`); each start error shows its variant and what it carries.
#[tokio::test]
async fn cast_and_start_errors_show_their_variant() {
    let _watchdog = watchdog();
    let server = Pinger::start(Pinger).await.unwrap();
    within(LIMIT, "the server to stop", server.stop())
        .await
        .unwrap();
    let refused = server.poke().unwrap_err();
    assert_eq!(format!("{refused:?}"), "NoProc(..)");

    let error = Failing::start(How::Fail).await.unwrap_err();
    assert_eq!(format!("{error:?}"), r#"Init("no luck")"#);
    let error = Failing::start(How::Panic).await.unwrap_err();
    assert_eq!(format!("{error:?}"), r#"Exit(Panic("init exploded"))"#);

    let name = unique_name("taken");
    let running = Failing::start_named(&name, How::Start).await.unwrap();
    let error = Failing::start_named(&name, How::Start).await.unwrap_err();
    assert_eq!(format!("{error:?}"), format!("AlreadyStarted({running:?})"));
    assert!(format!("{running:?}").contains(&name));
    let error = Pinger::start_named(&name, Pinger).await.unwrap_err();
    assert_eq!(format!("{error:?}"), format!("NameInUse({name:?})"));

    let options = StartOptions::new().timeout(Duration::from_millis(10));
    let late = Failing::start_with(options, How::Hang);
    let error = within(LIMIT, "the start to time out", late).await;
    assert_eq!(format!("{:?}", error.unwrap_err()), "Timeout");
    let error = start_outside_a_runtime();
    assert_eq!(format!("{error:?}"), "NoRuntime");
}

/// A start polled outside any tokio runtime.
fn start_outside_a_runtime() -> StartError<Failing> {
    std::thread::spawn(|| {
        let mut start = pin!(Failing::start(How::Start));
        let waker = std::task::Waker::noop();
        match start
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
        {
            Poll::Ready(Err(error)) => error,
            Poll::Ready(Ok(_)) => panic!("started without a runtime"),
            Poll::Pending => panic!("pending without a runtime"),
        }
    })
    .join()
    .unwrap()
}
