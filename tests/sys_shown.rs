//! How `genserver::sys` shows a server's state, whatever its `Debug` (and
//! `Clone`) does: hand-written to hide a secret, missing, huge, wide
//! characters, panicking. Each test names the case of OTP's
//! `gen_server_SUITE.erl` it ports, where there is one.

#![allow(missing_docs)]

mod support;

use std::fmt;
use std::time::Duration;

use genserver::prelude::*;
use genserver::sys::{self, SysError};
use support::within;
use tokio::time::Instant;

const LIMIT: Duration = Duration::from_secs(5);

/// A state whose `Debug` is hand-written to hide a secret: OTP's
/// `format_status/1`.
struct Login {
    user: String,
    #[expect(dead_code, reason = "the secret: nothing shows it")]
    password: String,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A state with no `Debug`.
struct Opaque;

/// A state whose `Debug` output is huge.
#[derive(Debug)]
struct Huge(#[expect(dead_code, reason = "read by its Debug only")] Vec<u8>);

/// A state whose `Debug` shows three-byte characters.
#[derive(Debug)]
struct Wide(#[expect(dead_code, reason = "read by its Debug only")] String);

#[gen_server]
impl Wide {
    #[cast]
    fn nothing(&mut self) {}
}

/// A state whose `Debug` panics.
struct Bomb;

impl fmt::Debug for Bomb {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Debug of Bomb exploded")
    }
}

/// A state whose `Clone` panics.
struct Fragile;

impl Clone for Fragile {
    fn clone(&self) -> Self {
        panic!("Clone of Fragile panicked")
    }
}

macro_rules! pingable {
    ($($state:ident),*) => {$(
        #[gen_server]
        impl $state {
            #[call]
            fn ping(&self) -> &'static str {
                "pong"
            }
        }
    )*};
}

pingable!(Login, Opaque, Huge, Bomb, Fragile);

/// `gen_server_SUITE: call_format_status`: a hand-written `Debug` decides
/// what is shown; the secret is not.
#[tokio::test]
async fn format_state_shows_a_hand_written_debug_that_hides_a_secret() {
    let _watchdog = support::watchdog();
    let login = Login {
        user: "ada".into(),
        password: "hunter2".into(),
    };
    let server = Login::start(login).await.unwrap();
    let shown = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert_eq!(shown, r#"Login { user: "ada", password: "<redacted>" }"#);
    let status = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    assert!(!status.state.contains("hunter2"), "{}", status.state);
}

#[tokio::test]
async fn format_state_of_a_state_without_debug_says_so() {
    let _watchdog = support::watchdog();
    let server = Opaque::start(Opaque).await.unwrap();
    let expected = format!(
        "<{} does not implement Debug>",
        std::any::type_name::<Opaque>()
    );
    assert_eq!(
        within(
            LIMIT,
            "the reply to format_state",
            sys::format_state(&server)
        )
        .await,
        Ok(expected)
    );
}

/// The cut falls between characters: `Wide("` and 1,363 `€` (3 bytes each)
/// fill 4,095 bytes, and the next `€` would not fit.
#[tokio::test]
async fn a_cut_never_splits_a_character() {
    let _watchdog = support::watchdog();
    let server = Wide::start(Wide("€".repeat(2_000))).await.unwrap();
    let shown = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    let expected = format!("Wide(\"{}…", "€".repeat(1_363));
    assert_eq!(shown, expected);
}

#[tokio::test]
async fn format_state_is_cut_after_4_kib() {
    let _watchdog = support::watchdog();
    let server = Huge::start(Huge(vec![7; 100_000])).await.unwrap();
    let shown = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert_eq!(shown.len(), 4096 + '…'.len_utf8(), "{shown}");
    assert!(shown.starts_with("Huge([7, 7, "), "{shown}");
    assert!(shown.ends_with('…'), "{shown}");
}

/// A panic in the state's `Debug` is the request's own: the request still
/// returns (the panic, shown), and the server runs on.
#[tokio::test]
async fn a_debug_that_panics_does_not_stop_the_server() {
    let _watchdog = support::watchdog();
    let server = Bomb::start(Bomb).await.unwrap();
    let shown = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert_eq!(shown, "<formatting panicked: Debug of Bomb exploded>");
    assert_eq!(
        within(LIMIT, "the reply to ping", server.ping()).await,
        Ok("pong")
    );
    let status = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    assert_eq!(status.state, shown);
    assert_eq!(
        within(LIMIT, "the reply to ping", server.ping()).await,
        Ok("pong")
    );
    assert!(server.is_alive());
}

/// `get_state` clones the state inside the server: a `Clone` that panics
/// fails the request at once, as a replace function's panic does, and the
/// server runs on.
#[tokio::test(start_paused = true)]
async fn get_state_with_a_clone_that_panics_fails_at_once() {
    let _watchdog = support::watchdog();
    let server = Fragile::start(Fragile).await.unwrap();
    let start = Instant::now();
    let got = within(
        2 * sys::TIMEOUT,
        "the reply to get_state",
        sys::get_state(&server),
    )
    .await;
    let (got, waited) = (got.map(|_| ()), start.elapsed());
    assert!(
        matches!(&got, Err(SysError::Panicked(m)) if &**m == "Clone of Fragile panicked"),
        "{got:?} after {waited:?}"
    );
    assert_eq!(
        within(LIMIT, "the reply to ping", server.ping()).await,
        Ok("pong")
    );
}
