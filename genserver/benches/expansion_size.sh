#!/usr/bin/env bash
# Expanded code size per handler: the lines of code a `#[gen_server]` server
# of H handlers amounts to once expanded, against the same server
# hand-written on tokio (the two forms compile_gen.sh writes, with S = 1).
#
# usage: bash genserver/benches/expansion_size.sh [H1] [H2]   (default 10 20)
#
# The genserver form is expanded as examples/expansions.rs expands the
# examples: the macro's own pipeline (genserver-macros/src, included by path
# into a small tool built in a temporary directory), rendered with
# prettyplease and formatted with rustfmt. The hand-written form goes through
# the same rendering unexpanded, so that both are laid out alike. Only
# `#[gen_server]` is expanded: `#[tokio::main]`, derives and `assert!` stay
# as written in both.
#
# Prints, for each form, the non-blank lines (and those that are not
# comments) of the whole file at H1 and H2 handlers, their mean per handler
# at H1, and the marginal cost of one more handler: (lines at H2 - lines at
# H1) / (H2 - H1).
set -euo pipefail
shopt -s inherit_errexit
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
h1="${1:-10}"
h2="${2:-20}"
work="${WORK:-$(mktemp -d)}"
[[ -n "${WORK:-}" ]] || trap 'rm -rf "$work"' EXIT

# The tool: expands every `#[gen_server]` impl of the file it is given (in
# modules too) and prints the file rendered by prettyplease.
tool="$work/expand-tool"
mkdir -p "$tool/src"
cp "$repo/Cargo.lock" "$tool/Cargo.lock"
cat > "$tool/Cargo.toml" <<TOML
[package]
name = "expand_tool"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
prettyplease = "0.3"
proc-macro2 = "1"
quote = "1"
syn = { version = "3", default-features = false, features = ["full", "parsing", "printing", "proc-macro", "clone-impls"] }

[workspace]
TOML
{
  echo '#![allow(dead_code, unused_imports, unreachable_pub, clippy::all)]'
  for module in ast attr ctxt expand/mod fallback valid/mod; do
    echo "#[path = \"$repo/genserver-macros/src/$module.rs\"]"
    echo "mod ${module%/mod};"
  done
  cat <<'RUST'

use quote::ToTokens;
use syn::{Item, Meta};

fn expand_items(items: &mut Vec<Item>) {
    for item in std::mem::take(items) {
        match item {
            Item::Impl(mut block) => {
                let Some(position) = block.attrs.iter().position(|a| a.path().is_ident("gen_server"))
                else {
                    items.push(Item::Impl(block));
                    continue;
                };
                let args = match block.attrs.remove(position).meta {
                    Meta::List(list) => list.tokens,
                    _ => proc_macro2::TokenStream::new(),
                };
                let expanded = expand::gen_server(args, block.into_token_stream());
                let expanded: syn::File = syn::parse2(expanded).expect("the expansion parses");
                items.extend(expanded.items);
            }
            Item::Mod(mut module) => {
                if let Some((_, inner)) = &mut module.content {
                    expand_items(inner);
                }
                items.push(Item::Mod(module));
            }
            other => items.push(other),
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: expand_tool FILE");
    let source = std::fs::read_to_string(&path).expect("the file reads");
    let mut file = syn::parse_file(&source).expect("the file parses");
    expand_items(&mut file.items);
    print!("{}", prettyplease::unparse(&file));
}
RUST
} > "$tool/src/main.rs"
echo "building the expansion tool in $tool" >&2
(cd "$tool" && cargo build --quiet --release)

# "non-blank code" lines of a form's file rendered.
count() { # main.rs
  "$tool/target/release/expand_tool" "$1" | rustfmt --edition 2021 --emit stdout --quiet |
    awk '/^[[:space:]]*$/ { next } { all++ } !/^[[:space:]]*\/\// { code++ } END { print all, code }'
}

declare -A lines
for h in "$h1" "$h2"; do
  bash "$repo/genserver/benches/compile_gen.sh" "$work/gen-1x$h" 1 "$h"
  for form in genserver handwritten; do
    lines[$form.$h]="$(count "$work/gen-1x$h/$form/src/main.rs")"
  done
done

echo "| one server, expanded | non-blank lines, $h1 / $h2 handlers | per handler at $h1 | per added handler | same without comment lines |"
echo "|---|---|---|---|---|"
for form in genserver handwritten; do
  read -r a1 c1 <<< "${lines[$form.$h1]}"
  read -r a2 c2 <<< "${lines[$form.$h2]}"
  awk -v f="$form" -v a1="$a1" -v a2="$a2" -v c1="$c1" -v c2="$c2" -v h1="$h1" -v h2="$h2" 'BEGIN {
    printf "| %s | %d / %d | %.1f | %.1f | %.1f / %.1f |\n", f, a1, a2, a1 / h1, (a2 - a1) / (h2 - h1), c1 / h1, (c2 - c1) / (h2 - h1) }'
done
