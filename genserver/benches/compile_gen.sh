#!/usr/bin/env bash
# Writes two user crates of S servers x H handlers each, for the compile-time
# benchmark (compile_time.sh) and the expansion-size count (expansion_size.sh):
#
#   DIR/genserver    (package ct_genserver): every server a module of one
#                    src/main.rs, a `#[gen_server] impl` with H handlers, the
#                    even ones `#[call]` returning u64, the odd ones `#[cast]`,
#                    each taking a String and a u64;
#   DIR/handwritten  (package ct_handwritten): the same servers written by
#                    hand on tokio: a message enum, a spawned task over an
#                    unbounded mpsc channel, a oneshot per call, a client
#                    struct with one method per handler, a spawn function.
#
# Both have the same `main`: it starts each server and calls or casts each of
# its handlers once (through the module's `run`). `main` comes first in the
# file, the servers after it, so that an edit in the last server moves no
# other item's position. Each handler's body line carries a constant unique
# in the file, `1SSSSHHHH` (server and handler numbers), which compile_time.sh
# edits.
#
# usage: bash genserver/benches/compile_gen.sh DIR [S] [H]   (default 40 10)
# The crates depend on this repository's genserver by path (the package name
# is read from genserver/Cargo.toml, the library is `genserver`), use a copy of
# its Cargo.lock, and are workspaces of their own with their own target dirs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:?usage: compile_gen.sh DIR [S] [H]}"
servers="${2:-40}"
handlers="${3:-10}"

# The runtime's package name: the first `name = "..."` of its [package] table.
package="$(awk '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^name *=/ { gsub(/^name *= *"|".*$/, ""); print; exit }
' "$repo/genserver/Cargo.toml")"
[[ -n "$package" ]] || { echo "no [package] name in $repo/genserver/Cargo.toml" >&2; exit 1; }

manifest() { # crate name, extra dependency line
  cat <<TOML
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
}

constant() { printf '1%04d%04d' "$1" "$2"; } # server, handler

main_fn() {
  echo '#[tokio::main]'
  echo 'async fn main() {'
  for ((i = 0; i < servers; i++)); do echo "    s$i::run().await;"; done
  echo '}'
}

# The handlers' bodies, the same in both forms (state: a u64 and a String).
handler_fns() { # server, visibility ("pub " or "")
  local i=$1 vis=$2 j k
  for ((j = 0; j < handlers; j++)); do
    k=$(constant "$i" "$j")
    if ((j % 2 == 0)); then
      [[ -n "$vis" ]] && echo '        #[call]'
      cat <<RUST
        ${vis}fn h$j(&mut self, key: String, n: u64) -> u64 {
            self.total = self.total.wrapping_add(n + key.len() as u64 + $k);
            self.total
        }
RUST
    else
      [[ -n "$vis" ]] && echo '        #[cast]'
      cat <<RUST
        ${vis}fn h$j(&mut self, key: String, n: u64) {
            self.total = self.total.wrapping_add(n + $k);
            self.last = key;
        }
RUST
    fi
  done
}

genserver_server() { # server
  local i=$1 j
  cat <<RUST

mod s$i {
    use genserver::prelude::*;

    #[derive(Default)]
    pub struct Server$i {
        total: u64,
        last: String,
    }

    #[gen_server]
    impl Server$i {
RUST
  handler_fns "$i" "pub "
  cat <<RUST
    }

    pub async fn run() {
        let server = Server$i::start(Server$i::default()).await.unwrap();
RUST
  for ((j = 0; j < handlers; j++)); do
    if ((j % 2 == 0)); then
      echo "        assert!(server.h$j(\"k\".into(), $j).await.unwrap() > 0);"
    else
      echo "        server.h$j(\"k\".into(), $j).unwrap();"
    fi
  done
  cat <<RUST
    }
}
RUST
}

# CamelCase variant names: h3 -> H3.
handwritten_server() { # server
  local i=$1 j
  cat <<RUST

mod s$i {
    use tokio::sync::{mpsc, oneshot};

    #[derive(Default)]
    pub struct Server$i {
        total: u64,
        last: String,
    }

    impl Server$i {
RUST
  handler_fns "$i" ""
  echo '    }'
  echo
  echo '    enum Msg {'
  for ((j = 0; j < handlers; j++)); do
    if ((j % 2 == 0)); then
      echo "        H$j { key: String, n: u64, reply: oneshot::Sender<u64> },"
    else
      echo "        H$j { key: String, n: u64 },"
    fi
  done
  cat <<RUST
    }

    pub struct Client {
        tx: mpsc::UnboundedSender<Msg>,
    }

    pub fn spawn(mut state: Server$i) -> Client {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                match msg {
RUST
  for ((j = 0; j < handlers; j++)); do
    if ((j % 2 == 0)); then
      cat <<RUST
                    Msg::H$j { key, n, reply } => {
                        let _ = reply.send(state.h$j(key, n));
                    }
RUST
    else
      echo "                    Msg::H$j { key, n } => state.h$j(key, n),"
    fi
  done
  cat <<RUST
                }
            }
        });
        Client { tx }
    }

    impl Client {
RUST
  for ((j = 0; j < handlers; j++)); do
    if ((j % 2 == 0)); then
      cat <<RUST
        pub async fn h$j(&self, key: String, n: u64) -> Option<u64> {
            let (reply, answer) = oneshot::channel();
            self.tx.send(Msg::H$j { key, n, reply }).ok()?;
            answer.await.ok()
        }
RUST
    else
      cat <<RUST
        pub fn h$j(&self, key: String, n: u64) -> bool {
            self.tx.send(Msg::H$j { key, n }).is_ok()
        }
RUST
    fi
  done
  cat <<RUST
    }

    pub async fn run() {
        let server = spawn(Server$i::default());
RUST
  for ((j = 0; j < handlers; j++)); do
    if ((j % 2 == 0)); then
      echo "        assert!(server.h$j(\"k\".into(), $j).await.unwrap() > 0);"
    else
      echo "        assert!(server.h$j(\"k\".into(), $j));"
    fi
  done
  cat <<RUST
    }
}
RUST
}

write_crate() { # subdirectory, package name, dependency line, server writer
  mkdir -p "$dir/$1/src"
  manifest "$2" "$3" > "$dir/$1/Cargo.toml"
  cp "$repo/Cargo.lock" "$dir/$1/Cargo.lock"
  {
    echo "//! $servers servers x $handlers handlers, written by genserver/benches/compile_gen.sh."
    echo "#![allow(dead_code)]"
    echo
    main_fn
    for ((i = 0; i < servers; i++)); do "$4" "$i"; done
  } > "$dir/$1/src/main.rs"
}

write_crate genserver ct_genserver \
  "genserver = { package = \"$package\", path = \"$repo/genserver\" }" genserver_server
write_crate handwritten ct_handwritten "" handwritten_server
