# divan's output as rows "group bench time seconds" (the median of each
# benchmark) and "group bench alloc|dealloc|grow|shrink bytes" (the median
# allocation rows): what ratios.sh and beam.sh read.
function seconds(v, u) { return v * (u == "ns" ? 1e-9 : u == "µs" ? 1e-6 : u == "ms" ? 1e-3 : 1) }
function bytes(v, u) { return v * (u == "B" ? 1 : u == "KB" ? 1e3 : u == "MB" ? 1e6 : u == "GB" ? 1e9 : 1) }
# The first field past the tree drawn on the left (│ of enclosing groups, ├─ or ╰─).
function first(  i) { for (i = 1; i <= NF; i++) if ($i != "│" && $i != "├─" && $i != "╰─") return i; return NF + 1 }
/^(├|╰)─ / { group = $2; next }
/(├|╰)─ [a-z_]+ +[0-9.]+ (ns|µs|ms|s) / {
  for (i = 1; i <= NF; i++) if ($i ~ /^[a-z_]+$/) { bench = $i; break }
  # Columns: fastest │ slowest │ median; the │ of the tree before the name do not count.
  n = 0; for (i = first(); i <= NF; i++) if ($i == "│") { n++; if (n == 2) { print group, bench, "time", seconds($(i + 1), $(i + 2)) } }
  want = ""; next
}
/max alloc:/ { want = ""; next }
/alloc:|dealloc:|grow:|shrink:/ {
  want = ($0 ~ /dealloc:/) ? "dealloc" : ($0 ~ /grow:/) ? "grow" : ($0 ~ /shrink:/) ? "shrink" : "alloc"
  line = 0; next
}
want != "" && /│/ {
  line++
  if (line == 2) { n = 0; for (i = first(); i <= NF; i++) if ($i == "│") { n++; if (n == 2) print group, bench, want, bytes($(i + 1), $(i + 2)) } ; want = "" }
}
