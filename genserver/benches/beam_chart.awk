# Draws beam.sh's table as an SVG bar chart: one bar per workload, its
# length genserver's time divided by the BEAM's (median of per-run ratios),
# with a line at 1.0 where the two are even; shorter is faster.
#
# usage: bash genserver/benches/beam.sh 3 | awk -f genserver/benches/beam_chart.awk > chart.svg
# Reads the lines "workload ratio (runs: ...)"; ignores the header.

BEGIN {
  # What beam.sh's names mean, in the order of BENCHMARKS.md's table.
  split("call_latency cast_throughput concurrent_calls fan_out fan_out_one_task spawn stop_all", order, " ")
  label["call_latency"] = "call latency (1,000 sequential calls)"
  label["cast_throughput"] = "cast throughput (1,000,000 casts)"
  label["concurrent_calls"] = "concurrent calls (100 clients x 100)"
  label["fan_out"] = "fan-out, a task per call (10,000 servers)"
  label["fan_out_one_task"] = "fan-out from one task (join_all)"
  label["spawn"] = "start 100,000 servers"
  label["stop_all"] = "stop 100,000 servers"
}

$2 ~ /^[0-9.]+$/ { ratio[$1] = $2 + 0 }

END {
  top = 1.2
  for (name in ratio) if (ratio[name] > top) top = ratio[name] * 1.1
  left = 300; width = 400; bar = 22; gap = 10; head = 40
  rows = 0
  for (i = 1; i in order; i++) if (order[i] in ratio) rows++
  height = head + rows * (bar + gap) + 40
  x1 = left + width / top
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"13\">\n", left + width + 60, height
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"%d\" y=\"22\" font-size=\"15\">genserver's time / the BEAM's (shorter is faster)</text>\n", 10
  # The line at 1.0 first, so that the values are written over it.
  bottom = head + rows * (bar + gap)
  printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n", x1, head - 6, x1, bottom
  row = 0
  for (i = 1; i in order; i++) {
    name = order[i]
    if (!(name in ratio)) continue
    y = head + row * (bar + gap)
    w = width * ratio[name] / top
    colour = ratio[name] <= 1 ? "#2e7d32" : "#c62828"
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + bar - 6, (name in label) ? label[name] : name
    printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", left, y, w, bar, colour
    printf "<text x=\"%.1f\" y=\"%d\" stroke=\"white\" stroke-width=\"4\" paint-order=\"stroke\">%.2f</text>\n", left + w + 4, y + bar - 6, ratio[name]
    row++
  }
  printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">1.0: as fast as the BEAM</text>\n", x1, bottom + 18
  print "</svg>"
}
