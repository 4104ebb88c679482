#!/usr/bin/env bash
# Instructions per run of the bench functions matching FILTER, counted by callgrind.
#
#   benches/callgrind.sh BENCH FILTER [RUNS]
#   benches/callgrind.sh decode_map 'jdcloud.ocr_invoice/fapiao' 2000
#
# Builds the bench (release), runs it in counted mode (benches/support/mod.rs: each matching
# function RUNS times, nothing timed) under callgrind collecting only inside the counted
# loop, and prints the total and per-run instruction counts. Counts are repeatable to a few
# parts per million, unlike wall-clock time on a shared machine.
set -euo pipefail
bench=${1:?bench name, e.g. decode_map}
filter=${2:?a substring of group/function ids}
runs=${3:-1000}
cd "$(dirname "$0")/.."
exe=$(cargo bench --bench "$bench" --no-run --message-format=json 2>/dev/null |
  grep '"kind":\["bench"\]' | grep "\"name\":\"$bench\"" |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -n "$exe" ] || { echo "could not build bench $bench" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
FAPIAO_BENCH_RUNS=$runs FAPIAO_BENCH_FILTER=$filter \
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
  --collect-atstart=no --toggle-collect='*counted_runs*' "$exe" --bench >"$out/stdout" 2>"$out/stderr" ||
  { cat "$out/stderr" >&2; exit 1; }
matched=$(grep -c '^counted:' "$out/stdout" || true)
[ "$matched" = 1 ] || { echo "'$filter' matches $matched functions, not one:" >&2; cat "$out/stdout" >&2; exit 1; }
grep '^counted:' "$out/stdout"
total=$(sed -n 's/^summary: //p; s/^totals: //p' "$out/cg.out" | head -n 1)
echo "instructions: total $total, per run $((total / runs))"
