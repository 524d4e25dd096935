#!/usr/bin/env bash
# genserver beside the BEAM: the workloads of benches/baseline.rs, run RUNS
# times (default 3) both by genserver (the divan benchmarks) and by an
# Elixir GenServer (benches/beam.exs), one after the other in each run;
# prints, per workload, the median over runs of genserver's median time
# divided by the BEAM's. Not part of CI: it needs Elixir (`apt-get install
# elixir`) and takes minutes.
#
# usage: bash genserver/benches/beam.sh [RUNS] [SVG]
# With SVG, also draws the table there as a bar chart (beam_chart.awk);
# BENCHMARKS.md shows genserver/benches/beam.svg.
#
# The workloads genserver runs on a current-thread runtime run on one BEAM
# scheduler (`+S 1:1`), those on two tokio workers on two (`+S 2:2`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs="${1:-3}"
chart="${2:-}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$repo"

if ! command -v elixir >/dev/null; then
  echo "elixir is missing: apt-get install elixir" >&2
  exit 2
fi

one_thread="call_latency cast_throughput idle_servers"
two_threads="concurrent_calls fan_out"

for run in $(seq "$runs"); do
  # shellcheck disable=SC2086
  elixir --erl "+S 1:1" "$here/beam.exs" $one_thread > "$out/beam$run.txt"
  # shellcheck disable=SC2086
  elixir --erl "+S 2:2" "$here/beam.exs" $two_threads >> "$out/beam$run.txt"
  cargo bench --quiet -p gen_server --bench baseline -- \
    call_latency cast_throughput concurrent_calls idle_servers fan_out \
    > "$out/divan$run.txt" 2>/dev/null
  # genserver's medians, named as beam.exs names them, in nanoseconds.
  awk -f "$here/divan.awk" "$out/divan$run.txt" | awk '
    $3 != "time" { next }
    $2 == "genserver" { print $1, $4 * 1e9 }
    $1 == "idle_servers" && $2 == "spawn_genserver" { print "spawn", $4 * 1e9 }
    $1 == "idle_servers" && $2 == "stop_all_genserver" { print "stop_all", $4 * 1e9 }
  ' > "$out/genserver$run.txt"
done

table() {
  printf "%-20s %s\n" "workload" "genserver / BEAM (median of per-run ratios)"
  for file in "$out"/beam*.txt; do
    run="${file##*/beam}"
    join <(sort "$file") <(sort "$out/genserver$run") | awk '{ print $1, $3 / $2 }'
  done | sort | awk '
    { ratio[$1, ++n[$1]] = $2; names[$1] = 1 }
    END {
      for (name in names) {
        m = n[name]
        for (i = 1; i <= m; i++) r[i] = ratio[name, i]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
        list = ""; for (i = 1; i <= m; i++) list = list sprintf(" %.3f", r[i])
        printf "%-20s %.3f   (runs:%s)\n", name, r[int((m + 1) / 2)], list
      }
    }' | sort
}

table | tee "$out/table.txt"
if [ -n "$chart" ]; then
  awk -f "$here/beam_chart.awk" "$out/table.txt" > "$chart"
  echo "chart: $chart"
fi
