#!/usr/bin/env bash
# Mutation testing of the runtime (genserver/src) with cargo-mutants: every
# mutant of the runtime's code must make a test of `gen_server` (unit and doc
# tests) or of `genserver-tests` (the integration tests) fail. Not part of
# .ci/run: it rebuilds and retests once per mutant, which takes a long time.
#
#   scripts/mutants.sh                          every file of genserver/src
#   scripts/mutants.sh genserver/src/mailbox.rs [more files...]
#   scripts/mutants.sh --in-diff [BASE]         only code changed since BASE
#                                               (default: the merge base with
#                                               main), uncommitted changes too
#
# The trybuild UI suite (`compiletest`'s test `ui`) is skipped: the macro is
# not mutated, and it would cost minutes per mutant. Each mutant's tests get
# MUTANTS_TIMEOUT seconds (default 300) before it counts as a timeout, which
# a hanging test shows as, never as a pass. MUTANTS_JOBS (default 1) builds
# that many mutants at once, each in a copy of the tree. Results go to
# MUTANTS_OUTPUT/mutants.out (default target/mutants): caught.txt,
# missed.txt (the survivors), timeout.txt, unviable.txt. See CONTRIBUTING.md
# for what to do with them.
#
# Speed, a mutant being one build and one test run (measured on 2 cores):
# the builds carry no debug info (CARGO_PROFILE_DEV_DEBUG=0: the relinking
# of the ~40 test binaries after each mutant takes 8 s instead of 12 s),
# and the doctests are skipped (their merged build is 6 s more per mutant,
# and they are the docs' examples: what they run, the unit and integration
# tests test). MUTANTS_DOCTESTS=1 runs them too, e.g. to look again at a
# survivor. MUTANTS_TESTS="links monitors ..." runs the unit tests and only
# the integration tests named (tests/links.rs, ...): each mutant relinks and
# runs that many binaries, not ~40. A survivor of such a run is checked
# against every test before it counts as one (see CONTRIBUTING.md).
#
# With MUTANTS_JOBS above 1, cargo-mutants copies the tree for a further
# job when that job starts, mutating it at the positions of the tree it
# listed: edit nothing under the tree while such a run goes (run it from a
# clone), or the mutants of the files edited build broken and count as
# unviable.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if ! command -v cargo-mutants >/dev/null; then
  echo "cargo-mutants is missing: cargo install cargo-mutants --locked" >&2
  exit 2
fi

# `--package` picks the package to mutate; its tests run by themselves, so
# the integration tests' package is named again among cargo test's own
# arguments below (cargo-mutants' `--test-package` and `--test-workspace`
# are not honoured when the mutated package is chosen).
args=(
  --package gen_server
  --timeout "${MUTANTS_TIMEOUT:-300}"
  --jobs "${MUTANTS_JOBS:-1}"
  --output "${MUTANTS_OUTPUT:-target/mutants}"
)
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
targets=(--lib --tests)
if [ -n "${MUTANTS_TESTS:-}" ]; then
  # A narrower run: the unit tests and the integration tests named.
  targets=(--lib)
  for test in $MUTANTS_TESTS; do
    targets+=(--test "$test")
  done
elif [ "${MUTANTS_DOCTESTS:-0}" = 1 ]; then
  targets=()
fi

if [ "${1:-}" = "--in-diff" ]; then
  base="${2:-$(git merge-base HEAD main)}"
  mkdir -p target/mutants
  diff_file="target/mutants/in-diff.patch"
  git diff "$base" -- genserver/src > "$diff_file"
  if [ ! -s "$diff_file" ]; then
    echo "no change to genserver/src since $base: nothing to mutate"
    exit 0
  fi
  args+=(--in-diff "$diff_file")
else
  for file in "$@"; do
    case "$file" in
      genserver/src/*.rs) args+=(--file "$file") ;;
      *) echo "not a runtime source file (genserver/src/...rs): $file" >&2; exit 2 ;;
    esac
  done
fi

# After the first `--`: cargo test's arguments; after the second, the test
# binaries'. `--exact --skip ui` skips the test named `ui` only (the UI
# suite), not every test with "ui" in its name. The soak and the million
# lifecycles are skipped too, at tens of seconds each per mutant: run them
# by hand (`cargo test -p genserver-tests --test soak --test churn`) on a
# change to what they measure, the heap and the tasks left behind.
exec cargo mutants "${args[@]}" -- --package genserver-tests "${targets[@]}" -- --exact --skip ui \
  --skip a_child_crashing_every_millisecond_for_ten_seconds_leaks_nothing \
  --skip a_million_lifecycles_leave_nothing_behind
