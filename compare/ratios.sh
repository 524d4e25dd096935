#!/usr/bin/env bash
# Runs compare/benches/compare.rs RUNS times (default 3) and prints a
# markdown table: for each workload and implementation, the ratio of its
# median time to the hand-written actor's median time in the same run, then
# the median of those ratios across runs; and the heap bytes per idle actor
# (what spawning 10,000 idle actors left allocated: allocated + grown -
# shrunk - freed, from divan's allocation profile of the `memory` group,
# divided by 10,000; the median across runs). A second table gives the
# range of the per-run ratios.
#
# usage: bash compare/ratios.sh [RUNS] [FILTER]
# FILTER is passed to divan (e.g. `call_latency`); CARGO_FLAGS adds flags
# for cargo. The parsing of divan's output is genserver/benches/ratios.sh's.
set -euo pipefail
runs="${1:-3}"
filter="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for run in $(seq "$runs"); do
  echo "run $run of $runs" >&2
  # shellcheck disable=SC2086
  cargo bench --quiet --manifest-path "$here/Cargo.toml" ${CARGO_FLAGS:-} --bench compare -- $filter > "$out/run$run.txt" 2>/dev/null
done

# Per run: "run group bench time seconds" for every timing row, and
# "run group bench alloc|dealloc|grow|shrink bytes" for allocations: the
# rows genserver/benches/divan.awk reads from divan's output, with the run.
parse() {
  awk -f "$(dirname "${BASH_SOURCE[0]}")/../genserver/benches/divan.awk" "$1" | awk -v run="$2" '{ print run, $0 }'
}

for run in $(seq "$runs"); do parse "$out/run$run.txt" "$run"; done > "$out/all.txt"

awk -v runs="$runs" '
  function median(a, n,   i, j, x) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function lo(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
  function hi(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] > m) m = a[i]; return m }
  function thousands(x,   s) { s = sprintf("%.0f", x); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]$/, ",&", s); gsub(/,,/, ",", s); return s }
  $4 == "time" { time[$2, $3, $1] = $5 }
  $4 != "time" && $2 == "memory" { heap[$3, $1] += ($4 == "alloc" || $4 == "grow" ? 1 : -1) * $5 }
  END {
    split("hand_written genserver kameo ractor actix", impls, " ")
    split("call_latency cast_throughput concurrent_calls spawn_and_stop", groups, " ")
    label["call_latency"] = "call latency (1,000 sequential gets)"
    label["cast_throughput"] = "cast throughput (100,000 puts, then a get)"
    label["concurrent_calls"] = "concurrent calls (100 clients × 100 gets, 2 workers)"
    label["spawn_and_stop"] = "spawn and stop 10,000 actors"
    header = "| workload | hand-written | genserver | kameo | ractor | actix |"
    rule = "|---|---|---|---|---|---|"
    printf "Median over %d runs of (median time / hand-written median time in the same run):\n\n%s\n%s\n", runs, header, rule
    for (g = 1; g <= 4; g++) {
      group = groups[g]; row = "| " label[group] " |"; ranges[g] = "| " label[group] " |"
      for (k = 1; k <= 5; k++) {
        impl = impls[k]; n = 0
        for (r = 1; r <= runs; r++) if ((group, impl, r) in time && (group, "hand_written", r) in time) r_[++n] = time[group, impl, r] / time[group, "hand_written", r]
        if (n == 0) { row = row " |"; ranges[g] = ranges[g] " |"; continue }
        row = row sprintf(" %.2f |", median(r_, n))
        ranges[g] = ranges[g] sprintf(" %.2f – %.2f |", lo(r_, n), hi(r_, n))
        delete r_
      }
      print row
    }
    row = "| heap per idle actor |"
    for (k = 1; k <= 5; k++) {
      impl = impls[k]; n = 0
      for (r = 1; r <= runs; r++) if ((impl, r) in heap) b_[++n] = heap[impl, r] / 10000
      row = row (n ? " " thousands(median(b_, n)) " B |" : " |")
      delete b_
    }
    print row
    printf "\nRange of the per-run ratios:\n\n%s\n%s\n", header, rule
    for (g = 1; g <= 4; g++) print ranges[g]
  }
' "$out/all.txt"
