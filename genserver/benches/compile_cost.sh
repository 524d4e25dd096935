#!/usr/bin/env bash
# Compile cost: a minimal user crate with one 2-handler server, built clean in
# release mode with genserver, against the same server hand-written on plain
# tokio. Prints each build's wall time and their ratio.
#
# usage: bash genserver/benches/compile_cost.sh [ROUNDS]   (default 3)
# Each round builds both crates from scratch, one after the other, each in a
# target directory of its own; the ratio is of the median times. Dependencies
# are pinned by the workspace's Cargo.lock.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds="${1:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

make_crate() { # name, extra dependency line, main.rs contents
  mkdir -p "$work/$1/src"
  cat > "$work/$1/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync"] }
$2

[workspace]
TOML
  printf '%s\n' "$3" > "$work/$1/src/main.rs"
  cp "$repo/Cargo.lock" "$work/$1/Cargo.lock"
}

make_crate with-genserver "genserver = { package = \"gen_server\", path = \"$repo/genserver\" }" '
use genserver::prelude::*;
use std::collections::HashMap;

#[derive(Default)]
struct Store {
    map: HashMap<u64, u64>,
}

#[gen_server]
impl Store {
    #[call]
    fn get(&mut self, key: u64) -> Option<u64> {
        self.map.get(&key).copied()
    }

    #[cast]
    fn put(&mut self, key: u64, value: u64) {
        self.map.insert(key, value);
    }
}

#[tokio::main]
async fn main() {
    let store = Store::start(Store::default()).await.unwrap();
    store.put(1, 2).unwrap();
    assert_eq!(store.get(1).await.unwrap(), Some(2));
}'

make_crate hand-written "" '
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

enum Msg {
    Get(u64, oneshot::Sender<Option<u64>>),
    Put(u64, u64),
}

struct Store {
    tx: mpsc::UnboundedSender<Msg>,
}

impl Store {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
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
        Store { tx }
    }

    async fn get(&self, key: u64) -> Option<u64> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Msg::Get(key, reply)).ok()?;
        answer.await.ok().flatten()
    }

    fn put(&self, key: u64, value: u64) {
        let _ = self.tx.send(Msg::Put(key, value));
    }
}

#[tokio::main]
async fn main() {
    let store = Store::start();
    store.put(1, 2);
    assert_eq!(store.get(1).await, Some(2));
}'

build() { # crate -> seconds
  local dir="$work/$1"
  rm -rf "$dir/target"
  (cd "$dir" && cargo fetch --quiet)
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && cargo build --release --quiet)
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

: > "$work/genserver.times"
: > "$work/baseline.times"
for round in $(seq "$rounds"); do
  g=$(build with-genserver); b=$(build hand-written)
  echo "round $round: with genserver ${g}s, hand-written ${b}s"
  echo "$g" >> "$work/genserver.times"
  echo "$b" >> "$work/baseline.times"
done
g=$(median < "$work/genserver.times"); b=$(median < "$work/baseline.times")
awk -v g="$g" -v b="$b" 'BEGIN { printf "median: with genserver %ss, hand-written %ss, ratio %.3f\n", g, b, g / b }'
