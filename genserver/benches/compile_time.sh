#!/usr/bin/env bash
# Compile time of a user crate of S servers x H handlers written with
# `#[gen_server]`, against the same servers hand-written on tokio (the two
# crates compile_gen.sh writes), in the dev profile with incremental
# compilation on. Dependencies are built first, untimed; every figure is the
# user crate's own compilation (cargo's wall time, linking included).
#
# usage: bash genserver/benches/compile_time.sh [S] [H] [ROUNDS]   (default 40 10 3)
#
# Each round, for each form (the order alternates from round to round):
#   own build       `cargo build` after `cargo clean -p` (which also empties
#                   the crate's incremental caches): the whole crate, cold;
#   check, cold     then `cargo check`: the crate alone is checked (the
#                   dependencies' metadata is there), from an empty cache;
#   check, touch    `touch src/main.rs`, `cargo check` again: nothing changed,
#                   the incremental cache is warm (macros still run);
#   build, touch    `touch src/main.rs`, `cargo build`: nothing changed;
#   edit, same len  a constant in the last server's first handler changed,
#                   same length (no position moves), `cargo build`;
#   edit, +1 char   that line one character longer (the columns after it on
#                   that line move), `cargo build`;
#   edit, +1 line   a comment line added at the top of the last server's
#                   module (every line of that server moves), `cargo build`.
# The servers follow `main` in the file, so an edit in the last server moves
# nothing outside it.
#
# After each of the three edits it also reports the share of object code
# regenerated: the `*.o` files of the crate's incremental session directory
# (target/debug/incremental/<crate>-*/s-*/) before and after the build. A
# codegen unit rustc reuses is a hard link to the previous session's file
# (same inode); a regenerated one is a new file. Reported as regenerated
# bytes / total bytes of the new session.
#
# Prints a markdown table: the median of each measurement over the rounds for
# both forms and the ratio of the medians (first form / second form).
#
# Environment:
#   FORMS       the two forms compared (default "genserver handwritten");
#               "genserver-opt3" is the genserver form with
#               `[profile.dev.build-override] opt-level = 3` (proc macros
#               optimised in dev), e.g. FORMS="genserver-opt3 genserver".
#   WORK        where to write the crates (default: a temporary directory,
#               removed at the end); kept when given, and reused when the
#               crates are already there (their target dirs stay warm).
# Cargo's own variables apply (CARGO_BUILD_JOBS: the report in
# BENCHMARKS.md was made with 1).
set -euo pipefail
shopt -s inherit_errexit
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
servers="${1:-40}"
handlers="${2:-10}"
rounds="${3:-3}"
read -r -a forms <<< "${FORMS:-genserver handwritten}"
(( ${#forms[@]} == 2 )) || { echo "FORMS must name two forms" >&2; exit 1; }

if [[ -n "${WORK:-}" ]]; then
  work="$WORK"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
out="$work/results"
rm -rf "$out"
mkdir -p "$out"

# The crates: written once per size; a form's directory is a copy of the
# generated crate it is based on.
gen="$work/gen-${servers}x${handlers}"
if [[ ! -f "$gen/genserver/src/main.rs.orig" ]]; then
  bash "$repo/genserver/benches/compile_gen.sh" "$gen" "$servers" "$handlers"
  for crate in genserver handwritten; do
    cp "$gen/$crate/src/main.rs" "$gen/$crate/src/main.rs.orig"
  done
fi

crate_of() { # form -> package name
  case "$1" in
    genserver | genserver-opt3) echo ct_genserver ;;
    handwritten) echo ct_handwritten ;;
    *) echo "unknown form $1" >&2; exit 1 ;;
  esac
}

dir_of() { echo "$work/${1}-${servers}x${handlers}"; }

for form in "${forms[@]}"; do
  dir="$(dir_of "$form")"
  base="${form%-opt3}"
  mkdir -p "$dir/src"
  cp "$gen/$base/Cargo.lock" "$gen/$base/src/main.rs.orig" "$dir/"
  cp "$gen/$base/Cargo.toml" "$dir/Cargo.toml"
  if [[ "$form" == *-opt3 ]]; then
    printf '\n[profile.dev.build-override]\nopt-level = 3\n' >> "$dir/Cargo.toml"
  fi
  cp "$dir/main.rs.orig" "$dir/src/main.rs"
  echo "prebuilding $form in $dir" >&2
  (cd "$dir" && cargo build --quiet && cargo check --quiet)
done

# Runs a cargo command in the form's directory, prints its wall time in seconds.
timed() { # dir, cargo arguments...
  local dir="$1" start end
  shift
  start=$(date +%s.%N)
  if ! (cd "$dir" && cargo "$@" --quiet) > "$out/cargo.log" 2>&1; then
    cat "$out/cargo.log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}

# The newest session directory of the crate's build (the one with objects).
session() { # dir, crate
  local s
  for s in $(ls -dt "$1"/target/debug/incremental/"$2"-*/s-*/ 2>/dev/null); do
    if compgen -G "$s*.o" > /dev/null; then echo "$s"; return; fi
  done
  echo "no incremental session with objects under $1" >&2
  exit 1
}

objects() { find "$1" -maxdepth 1 -name '*.o' -printf '%i %s\n' | sort; } # session -> "inode size"

# Regenerated bytes and total bytes of the session after a build, against
# the objects listed before it.
regenerated() { # objects before (file), session after
  objects "$2" | awk -v before="$1" '
    BEGIN { while ((getline line < before) > 0) { split(line, f, " "); old[f[1]] = 1 } }
    { total += $2; if (!($1 in old)) { new += $2 } }
    END { printf "%d %d\n", new, total }'
}

last=$((servers - 1))
same_len="$(printf '1%04d0000' "$last")"
edited="$(printf '2%04d0000' "$last")"
longer="${edited}0"

record() { echo "$3" >> "$out/$1.$2"; } # form, measurement, value

# An edit, its timed build, and the share of objects it regenerated.
edit_and_build() { # form, dir, crate, measurement, sed script
  local form="$1" dir="$2" crate="$3" name="$4" before t
  before="$out/objects.before"
  objects "$(session "$dir" "$crate")" > "$before"
  sed -i "$5" "$dir/src/main.rs"
  t=$(timed "$dir" build)
  record "$form" "$name" "$t"
  record "$form" "$name.objects" "$(regenerated "$before" "$(session "$dir" "$crate")")"
  echo "$t"
}

one_round() { # form, round
  local form="$1" dir crate t1 t2 t3 t4 t5 t6 t7
  dir="$(dir_of "$form")"
  crate="$(crate_of "$form")"
  cp "$dir/main.rs.orig" "$dir/src/main.rs"
  (cd "$dir" && cargo clean --quiet -p "$crate")
  t1=$(timed "$dir" build)
  record "$form" own "$t1"
  t2=$(timed "$dir" check)
  record "$form" check_cold "$t2"
  touch "$dir/src/main.rs"
  t3=$(timed "$dir" check)
  record "$form" check_touch "$t3"
  touch "$dir/src/main.rs"
  t4=$(timed "$dir" build)
  record "$form" touch "$t4"
  grep -q "+ $same_len)" "$dir/src/main.rs" || { echo "no constant $same_len in $form" >&2; exit 1; }
  t5=$(edit_and_build "$form" "$dir" "$crate" same_len "s/+ $same_len)/+ $edited)/")
  t6=$(edit_and_build "$form" "$dir" "$crate" longer "s/+ $edited)/+ $longer)/")
  t7=$(edit_and_build "$form" "$dir" "$crate" line "/^mod s$last {\$/a\\    // a line added by compile_time.sh")
  grep -q "a line added" "$dir/src/main.rs" || { echo "the line was not added in $form" >&2; exit 1; }
  echo "round $2 $form: own $t1, check cold $t2, check touch $t3, build touch $t4, same length $t5, +1 char $t6, +1 line $t7" >&2
}

for round in $(seq "$rounds"); do
  if ((round % 2 == 1)); then
    one_round "${forms[0]}" "$round"; one_round "${forms[1]}" "$round"
  else
    one_round "${forms[1]}" "$round"; one_round "${forms[0]}" "$round"
  fi
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The median share of regenerated bytes, with that round's bytes.
share() { # file of "regenerated total" lines
  awk '{ printf "%.6f %d %d\n", ($2 ? $1 / $2 : 0), $1, $2 }' "$1" | sort -n |
    awk '{ a[NR] = $0 } END { split(a[int((NR + 1) / 2)], f, " ");
      printf "%.1f%% (%.2f / %.2f MB)", 100 * f[1], f[2] / 1e6, f[3] / 1e6 }'
}

a="${forms[0]}"
b="${forms[1]}"
echo
echo "$servers servers x $handlers handlers, $rounds rounds, $(rustc --version)"
echo
echo "| dev build, incremental | $a (s) | $b (s) | $a / $b |"
echo "|---|---|---|---|"
for m in own:"own build (after cargo clean -p)" check_cold:"cargo check, cold" \
  check_touch:"cargo check after touch" touch:"build after touch" \
  same_len:"edit in last server, same length" longer:"edit in last server, +1 char" \
  line:"edit in last server, +1 line"; do
  key="${m%%:*}"
  ta=$(median "$out/$a.$key")
  tb=$(median "$out/$b.$key")
  awk -v n="${m#*:}" -v a="$ta" -v b="$tb" 'BEGIN { printf "| %s | %.2f | %.2f | **%.2f** |\n", n, a, b, a / b }'
done
echo
echo "| object code regenerated by the edit (median) | $a | $b |"
echo "|---|---|---|"
for m in same_len:"same length" longer:"+1 char" line:"+1 line"; do
  key="${m%%:*}"
  echo "| ${m#*:} | $(share "$out/$a.$key.objects") | $(share "$out/$b.$key.objects") |"
done
