//! The key-value server hand-written on tokio, an unbounded `mpsc`
//! channel and a `oneshot` per call: the cost floor genserver is measured
//! against. One file for every benchmark binary that compares with it and
//! for `tests/idle_heap.rs`, which includes it by path, so that all of
//! them measure the same actor.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

enum Msg {
    Get(u64, oneshot::Sender<Option<u64>>),
    Put(u64, u64),
}

#[derive(Clone)]
pub(crate) struct Kv {
    tx: mpsc::UnboundedSender<Msg>,
}

impl Kv {
    pub(crate) fn spawn() -> (Self, JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut map = HashMap::new();
            while let Some(msg) = rx.recv().await {
                match msg {
                    Msg::Get(key, reply) => {
                        let _ = reply.send(map.get(&key).copied());
                    }
                    Msg::Put(key, value) => {
                        map.insert(key, value);
                    }
                }
            }
        });
        (Self { tx }, task)
    }

    pub(crate) async fn get(&self, key: u64) -> Option<u64> {
        let (reply, answer) = oneshot::channel();
        assert!(self.tx.send(Msg::Get(key, reply)).is_ok(), "running");
        answer.await.expect("replied")
    }

    pub(crate) fn put(&self, key: u64, value: u64) {
        assert!(self.tx.send(Msg::Put(key, value)).is_ok(), "running");
    }
}
