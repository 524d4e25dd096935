//! A `GenServer` implemented by hand, without the macro: the trait's
//! defaults are what such a server gets, in crash reports, in
//! `sys::format_state` and as an init error's source (from cargo mutants'
//! survivors: nothing else used the defaults).

#![allow(missing_docs)]

mod support;

use std::time::Duration;

use genserver::__private::{ClientOf, RawRef};
use genserver::{Context, GenServer};

struct Manual;

#[derive(Debug)]
enum ManualMsg {
    Nothing,
}

#[derive(Debug)]
enum ManualInfo {
    Tick,
}

struct ManualClient {
    raw: RawRef<Manual>,
}

impl ClientOf<Manual> for ManualClient {
    fn from_raw(raw: RawRef<Manual>) -> Self {
        Self { raw }
    }

    fn raw(&self) -> &RawRef<Manual> {
        &self.raw
    }
}

#[derive(Debug)]
struct Refusal;

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refusal {}

impl GenServer for Manual {
    type Message = ManualMsg;
    type Info = ManualInfo;
    type InitArg = bool;
    type InitError = Refusal;
    type Client = ManualClient;

    async fn init(refuse: bool, _ctx: &mut Context<Self>) -> Result<Option<Self>, Refusal> {
        if refuse {
            Err(Refusal)
        } else {
            Ok(Some(Manual))
        }
    }

    async fn handle_message(&mut self, message: ManualMsg, _ctx: &mut Context<Self>) {
        let ManualMsg::Nothing = message;
    }
}

#[test]
fn the_defaults_name_messages_and_infos_generically() {
    let _watchdog = support::watchdog();
    assert_eq!(Manual::message_name(&ManualMsg::Nothing), "message");
    assert_eq!(Manual::info_name(&ManualInfo::Tick), "info");
    // The default gives no source, even for an init error that is an
    // `Error`: only the macro knows the concrete type.
    assert!(Manual::init_error_source(&Refusal).is_none());
}

#[tokio::test]
async fn the_default_format_state_says_the_state_has_no_debug() {
    let _watchdog = support::watchdog();
    let server = genserver::__private::start::<Manual>(genserver::StartOptions::new(), false)
        .await
        .unwrap();
    let shown = support::within(
        Duration::from_secs(5),
        "the server's state",
        genserver::sys::format_state(&server),
    )
    .await
    .unwrap();
    assert!(shown.contains("does not implement Debug"), "{shown}");
    assert!(shown.contains("Manual"), "{shown}");
    let refused = genserver::__private::start::<Manual>(genserver::StartOptions::new(), true)
        .await
        .unwrap_err();
    assert_eq!(refused.to_string(), "init failed: refused");
}
