#!/usr/bin/env bash
# Benchmark of `fechner`: wall time and peak RSS on N synthetic detections
# (default 1,000,000), from a file (two passes over the file) and from standard
# input (pass 1 spools the input to an unlinked temporary file).
# Usage: benches/fechner.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
SEED=${2:-1}
cargo build --release --quiet --bin fechner --bin synth
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
./target/release/synth detections "$N" --seed "$SEED" > "$dir/per.csv"
bytes=$(stat -c %s "$dir/per.csv")
echo "input: $N detections, $bytes bytes ($((bytes / N)) bytes per row), $(nproc) cores"

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -v "$@" 2> "$dir/time.txt" > /dev/null
    local wall user rss
    wall=$(grep 'Elapsed (wall clock)' "$dir/time.txt" | awk '{print $NF}')
    user=$(grep 'User time' "$dir/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$dir/time.txt" | awk '{print $NF}')
    echo "$label: wall ${wall}, user ${user} s, peak RSS $((rss / 1024)) MiB"
}

measure "fechner FILE   " ./target/release/fechner "$dir/per.csv" -o "$dir/ave.csv"
measure "fechner < FILE " sh -c "./target/release/fechner < '$dir/per.csv'"
echo "sources written: $(($(wc -l < "$dir/ave.csv") - 1))"
