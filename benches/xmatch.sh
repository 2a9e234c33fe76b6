#!/usr/bin/env bash
# Benchmark of `xmatch`: 100,000 synthetic X-ray sources against a 2,000,000-row
# synthetic Gaia catalog (~95,000 entries per deg^2, common/src/synth/sky.rs), end to
# end: CSV parsing, kd-tree, matching, density, output. Target: under 2 s wall on a
# 2-core machine. Prints /usr/bin/time -v's wall time, user CPU and peak memory.
#
# Usage: benches/xmatch.sh [N_XRAY] [N_CATALOG] [CATALOG]
set -euo pipefail
cd "$(dirname "$0")/.."
nx=${1:-100000}
nc=${2:-2000000}
cat=${3:-gaia}
dir=${BENCH_DIR:-target/bench-xmatch}
mkdir -p "$dir"
cargo build --release --quiet --bin xmatch --bin synth
bin=target/release
[ -s "$dir/xray_$nx.csv" ] || "$bin/synth" xray "$nx" --seed 1 > "$dir/xray_$nx.csv"
[ -s "$dir/${cat}_$nc.csv" ] || "$bin/synth" catalog "$cat" "$nc" --seed 1 > "$dir/${cat}_$nc.csv"
ls -l "$dir/xray_$nx.csv" "$dir/${cat}_$nc.csv"
# warm the page cache so that the run measures the tool, not the disk
cat "$dir/xray_$nx.csv" "$dir/${cat}_$nc.csv" > /dev/null
for threads in ${THREADS:-2 1}; do
    echo "== RAYON_NUM_THREADS=$threads xmatch --$cat (${nx} x ${nc})"
    RAYON_NUM_THREADS=$threads /usr/bin/time -v "$bin/xmatch" "--$cat" "$dir/${cat}_$nc.csv" \
        "$dir/xray_$nx.csv" -o "$dir/out_$threads.csv" 2> "$dir/time_$threads.txt"
    grep -E "Elapsed \(wall|User time|System time|Maximum resident" "$dir/time_$threads.txt"
done
if [ -s "$dir/out_1.csv" ] && [ -s "$dir/out_2.csv" ]; then
    cmp "$dir/out_1.csv" "$dir/out_2.csv" && echo "outputs identical for 1 and 2 threads"
fi
