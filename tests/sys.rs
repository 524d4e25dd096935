//! `genserver::sys`, Erlang's `:sys`, on one server at a time: its state,
//! status, traces and statistics (suspension, system requests and failing
//! requests are in `tests/sys_requests.rs`). Each test names the case of
//! OTP's `lib/stdlib/test/sys_SUITE.erl` or `gen_server_SUITE.erl` it
//! ports, where there is one.

#![allow(missing_docs)]

#[path = "support/recorder.rs"]
mod recorder;
#[path = "support/store.rs"]
mod store;
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use genserver::prelude::*;
use genserver::sys::{self, SysError};
use recorder::Recorder;
use store::{LIMIT, Store, StoreInfo, store};
use support::{unique_name, within};
/// `gen_server_SUITE: get_state`, as text: a derived `Debug`, through a
/// typed handle and through an `AnyRef`.
#[tokio::test]
async fn format_state_shows_a_derived_debug() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    server.put("a".into(), 1).unwrap();
    let shown = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert!(
        shown.starts_with(r#"Store { map: {"a": 1}, log: "#),
        "{shown}"
    );
    let any = AnyRef::from(server.clone());
    assert_eq!(
        within(LIMIT, "the reply to format_state", sys::format_state(&any)).await,
        Ok(shown)
    );
}

/// `gen_server_SUITE: get_state` and `replace_state`, crashing fun
/// included, and `sys_SUITE: special_process`'s get/replace round trip.
#[tokio::test]
async fn get_state_and_replace_state() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    server.put("a".into(), 1).unwrap();
    let mut copy = within(LIMIT, "the reply to get_state", sys::get_state(&server))
        .await
        .unwrap();
    assert_eq!(copy.map, BTreeMap::from([("a".into(), 1)]));
    copy.map.insert("b".into(), 2);
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("b".into())).await,
        Ok(None),
        "a clone"
    );

    let replace = |state: &Store| {
        let mut state = state.clone();
        state.map.insert("a".into(), 10);
        state
    };
    within(
        LIMIT,
        "the reply to replace_state",
        sys::replace_state(&server, replace),
    )
    .await
    .unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(10))
    );

    // A replace function that crashes leaves the state as it was.
    let crash = |_: &Store| -> Store { panic!("no new state") };
    let replaced = within(
        LIMIT,
        "the reply to replace_state",
        sys::replace_state(&server, crash),
    )
    .await;
    assert!(
        matches!(&replaced, Err(SysError::Panicked(message)) if &**message == "no new state"),
        "{replaced:?}"
    );
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(10))
    );
    assert!(server.is_alive());
}

/// `:sys.get_status/1`.
#[tokio::test]
async fn get_status() {
    let _watchdog = support::watchdog();
    let name = unique_name("sys-status");
    let server = Store::start_named(name.clone(), Store::default())
        .await
        .unwrap();
    let before = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    for n in 0..3 {
        server.put(format!("k{n}"), n).unwrap();
    }
    let status = within(LIMIT, "the reply to get_status", sys::get_status(&server))
        .await
        .unwrap();
    assert_eq!(status.id, server.id());
    assert_eq!(status.name.as_deref(), Some(&*name));
    assert_eq!(status.type_name, std::any::type_name::<Store>());
    assert!(!status.suspended && !status.traced);
    assert_eq!(status.mailbox_len, 0);
    // The three casts: system requests are not messages.
    assert_eq!(status.messages_in - before.messages_in, 3);
    assert!(status.uptime > before.uptime, "{status:?} {before:?}");
    assert!(status.uptime > Duration::ZERO);
    assert_eq!(status.parent, None);
    let state = within(
        LIMIT,
        "the reply to format_state",
        sys::format_state(&server),
    )
    .await
    .unwrap();
    assert_eq!(status.state, state);
    assert!(state.contains(r#""k2": 2"#), "{state}");
}

/// `sys_SUITE: trace`: each message in and each reply out is an event;
/// none once tracing is off.
#[tokio::test]
async fn trace() {
    let _watchdog = support::watchdog();
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.subscriber());
    let (server, _) = store().await;
    let traced = async || {
        within(LIMIT, "the reply to get_status", sys::get_status(&server))
            .await
            .unwrap()
            .traced
    };
    assert!(!traced().await);
    within(LIMIT, "the reply to trace", sys::trace(&server, true))
        .await
        .unwrap();
    assert!(
        within(LIMIT, "the reply to get_status", sys::get_status(&server))
            .await
            .unwrap()
            .traced
    );
    server.put("a".into(), 1).unwrap();
    server.send_info(StoreInfo::Tick).unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(1))
    );
    within(LIMIT, "the reply to trace", sys::trace(&server, false))
        .await
        .unwrap();
    assert!(!traced().await);
    server.put("b".into(), 2).unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("b".into())).await,
        Ok(Some(2))
    );
    let events: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|event| event.target == "genserver::trace")
        .collect();
    let expected = [
        ("request", r#"Put { key: "a", value: 1 }"#),
        ("request", "Tick"),
        ("request", r#"Get { key: "a", .. }"#),
        ("reply", "Some(1)"),
    ];
    assert_eq!(events.len(), expected.len(), "{events:#?}");
    for (event, (field, shown)) in events.iter().zip(expected) {
        assert_eq!(event.level, tracing::Level::INFO, "{event:?}");
        assert_eq!(event.field(field), Some(shown), "{event:?}");
        assert_eq!(event.spans[0].field("id"), Some(&*server.id().to_string()));
    }
}

/// `sys_SUITE: stats`.
#[tokio::test]
async fn statistics() {
    let _watchdog = support::watchdog();
    let (server, _) = store().await;
    assert_eq!(
        within(
            LIMIT,
            "the reply to get_statistics",
            sys::get_statistics(&server)
        )
        .await,
        Ok(None)
    );
    let before = SystemTime::now();
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, true),
    )
    .await
    .unwrap();
    server.put("a".into(), 1).unwrap();
    server.send_info(StoreInfo::Tick).unwrap();
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("a".into())).await,
        Ok(Some(1))
    );
    assert_eq!(
        within(LIMIT, "the reply to get", server.get("b".into())).await,
        Ok(None)
    );
    let stats = within(
        LIMIT,
        "the reply to get_statistics",
        sys::get_statistics(&server),
    )
    .await;
    let stats = stats.unwrap().expect("collected");
    assert_eq!((stats.messages_in, stats.messages_out), (4, 2));
    assert!(stats.since >= before && stats.since <= SystemTime::now());
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, false),
    )
    .await
    .unwrap();
    assert_eq!(
        within(
            LIMIT,
            "the reply to get_statistics",
            sys::get_statistics(&server)
        )
        .await,
        Ok(None)
    );
    // Turned on again, it counts from zero.
    within(
        LIMIT,
        "the reply to statistics",
        sys::statistics(&server, true),
    )
    .await
    .unwrap();
    let stats = within(
        LIMIT,
        "the reply to get_statistics",
        sys::get_statistics(&server),
    )
    .await;
    let stats = stats.unwrap().expect("collected");
    assert_eq!((stats.messages_in, stats.messages_out), (0, 0));
}
