#!/usr/bin/env bash
# Runs fuzz targets one after another, each for SECONDS (default 600), at the lowest CPU
# priority, one job, after building them all once. Logs go to fuzz/logs/<target>.log.
#   fuzz/run.sh                      # every target
#   SECONDS_PER_TARGET=60 fuzz/run.sh normalize qr_payload
set -euo pipefail
cd "$(dirname "$0")"
seconds="${SECONDS_PER_TARGET:-600}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
nice -n 19 cargo fuzz build
mkdir -p logs
fuzz="$PWD"
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    # Specs name their example files relative to themselves: check them from specs/.
    workdir="$fuzz"
    [ "$target" = spec_check ] && workdir="$fuzz/../specs"
    echo "== $target: ${seconds}s"
    (cd "$workdir" && nice -n 19 "$fuzz/target/x86_64-unknown-linux-gnu/release/$target" \
        "$fuzz/corpus/$target" -artifact_prefix="$fuzz/artifacts/$target/" \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1) \
        >"logs/$target.log" 2>&1 || { echo "   $target failed: see fuzz/logs/$target.log"; exit 1; }
    grep -E '^#[0-9]+ *DONE|stat::number_of_executed_units' "logs/$target.log" || true
done
