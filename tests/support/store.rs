//! A key-value store that logs what it handles, for the tests of
//! `genserver::sys`: shared by `tests/sys.rs` and `tests/sys_requests.rs`
//! through `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use genserver::sys::{self, SysError};
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

use crate::support::{Log, within};

pub const LIMIT: Duration = Duration::from_secs(5);

/// A key-value store whose handlers log what they handle.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub map: BTreeMap<String, u64>,
    pub log: Log,
}

#[gen_server]
impl Store {
    #[cast]
    pub fn put(&mut self, key: String, value: u64) {
        self.log.push(format!("put {key}"));
        self.map.insert(key, value);
    }

    #[call]
    pub fn get(&mut self, key: String) -> Option<u64> {
        self.log.push(format!("get {key}"));
        self.map.get(&key).copied()
    }

    #[info]
    pub fn tick(&mut self) {
        self.log.push("tick");
    }

    #[cast]
    pub fn crash(&mut self) {
        panic!("the store crashed");
    }

    #[cast]
    pub fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    /// Blocks the server, without blocking its thread, until `gate` opens.
    #[cast]
    pub async fn wait(&mut self, gate: Arc<Notify>) {
        gate.notified().await;
    }

    /// `:sys.get_state(self())` from inside the server.
    #[call]
    pub async fn ask_self(&mut self, ctx: &mut Context<Self>) -> Result<String, SysError> {
        sys::format_state(&ctx.handle()).await
    }

    /// `{:noreply, state, millis}`: `Idled` comes if nothing does first.
    #[cast]
    pub fn idle(
        &mut self,
        millis: u64,
        to: mpsc::UnboundedSender<Instant>,
        ctx: &mut Context<Self>,
    ) {
        ctx.idle_timeout(Duration::from_millis(millis), StoreInfo::Idled { to });
    }

    #[info]
    pub fn idled(&mut self, to: mpsc::UnboundedSender<Instant>) {
        let _ = to.send(Instant::now());
    }
}

pub async fn store() -> (ServerRef<Store>, Log) {
    let store = Store::default();
    let log = store.log.clone();
    (
        within(LIMIT, "the start of Store", Store::start(store))
            .await
            .unwrap(),
        log,
    )
}

/// Sends `call` (a call is sent on its first poll) and leaves it waiting.
pub async fn send<F: Future + Unpin>(call: &mut F) {
    tokio::select! {
        biased;
        _ = call => panic!("answered at once"),
        () = async {} => {}
    }
}
