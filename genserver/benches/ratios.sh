#!/usr/bin/env bash
# Runs benches/baseline.rs and benches/supervision.rs RUNS times (default 3) and prints, for each
# workload, the cost ratio genserver / hand-written: the ratio of the two
# medians within each run, then the median of those ratios across runs.
# Also prints the heap bytes per idle server for both: what spawning 100k
# servers left allocated (allocated + grown - shrunk - freed, divan's
# allocation profile of the spawn benchmarks), divided by 100k; and the same
# for 100k children of a DynamicSupervisor against 100k plain starts.
#
# usage: bash genserver/benches/ratios.sh [RUNS] [FILTER] [BENCHES]
# BENCHES: the bench binaries, space-separated (default: baseline
# supervision registry); CARGO_FLAGS: more flags for cargo, e.g.
# --no-default-features.
set -euo pipefail
runs="${1:-3}"
filter="${2:-}"
benches="${3:-baseline supervision registry}"
bench_flags=""
for bench in $benches; do bench_flags="$bench_flags --bench $bench"; done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for run in $(seq "$runs"); do
  # shellcheck disable=SC2086
  cargo bench --quiet -p gen_server ${CARGO_FLAGS:-} $bench_flags -- $filter > "$out/run$run.txt" 2>/dev/null
done

# Per run: "group bench seconds" for every timing row, "group bench alloc|dealloc bytes" for allocations.
parse() { awk -f "$(dirname "${BASH_SOURCE[0]}")/divan.awk" "$1"; }

for file in "$out"/run*.txt; do parse "$file"; done > "$out/all.txt"

printf "%-28s %s\n" "workload" "genserver / hand-written (median of per-run ratios)"

awk '
  BEGIN { run = 0 }
  $3 == "time" {
    key = $1; name = $2
    side = (name ~ /genserver/) ? "genserver" : "baseline"
    base = name; sub(/_?(genserver|baseline)$/, "", base)
    row = key (base == "" ? "" : "/" base)
    count[row, side]++
    time[row, side, count[row, side]] = $4
    rows[row] = 1
  }
  $3 == "alloc" || $3 == "dealloc" || $3 == "grow" || $3 == "shrink" {
    if ($2 ~ /^spawn_/) { side = ($2 ~ /genserver/) ? "genserver" : "baseline"; heap[side, $3] += $4; heapn[side, $3]++ }
    if ($1 == "children") { side = ($2 ~ /genserver/) ? "supervised" : "unsupervised"; heap[side, $3] += $4; heapn[side, $3]++ }
  }
  END {
    for (row in rows) {
      n = count[row, "genserver"]; m = 0
      for (i = 1; i <= n; i++) r[++m] = time[row, "genserver", i] / time[row, "baseline", i]
      # median
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
      list = ""; for (i = 1; i <= m; i++) list = list sprintf(" %.3f", r[i])
      printf "%-28s %.3f   (runs:%s)\n", row, r[int((m + 1) / 2)], list
      delete r
    }
    split("genserver baseline supervised unsupervised", sides, " ")
    for (s = 1; s <= 4; s++) {
        side = sides[s]
        if (!heapn[side, "alloc"]) continue
        what = "heap per idle server,"
        live = 0
        split("alloc grow shrink dealloc", kinds, " ")
        for (k = 1; k <= 4; k++) {
          kind = kinds[k]
          if (heapn[side, kind]) live += (kind == "shrink" || kind == "dealloc" ? -1 : 1) * heap[side, kind] / heapn[side, kind]
        }
        printf "%s %-12s %.0f bytes\n", what, side ":", live / 100000
    }
  }
' "$out/all.txt" | sort
