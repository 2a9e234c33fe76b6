#!/usr/bin/env bash
# Timings of the redden / mcsample / features / standardize tools on the real data
# (embedded TD, 2,941 rows; HESS fields, 2,000 rows), and of one Monte-Carlo replica
# of the fused library path (bench binary-free: through the tools, chained by pipes).
# Wall, user CPU and max RSS from /usr/bin/time -v on release binaries.
# Usage: benches/redden_features.sh [REPS]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-20}
cargo build --release --bins -q
B=target/release
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
HESS=examples/hess/hess_fields.csv

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -v "$@" 2> "$T/time" > "$T/out"
    local wall user rss
    wall=$(grep 'Elapsed (wall' "$T/time" | awk '{print $NF}')
    user=$(grep 'User time' "$T/time" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$T/time" | awk '{print $NF}')
    printf '%-40s wall %8s  user %6ss  maxrss %7s KiB\n' "$label" "$wall" "$user" "$rss"
}

$B/redden --ebv 0.5 -o "$T/td_red.csv"
$B/mcsample --seed 1 --replica 0 "$T/td_red.csv" -o "$T/td_s.csv"
$B/features "$T/td_s.csv" -o "$T/td_f.csv"
$B/mcsample --seed 1 --replica 0 "$HESS" -o "$T/hess_s.csv"
$B/features "$T/hess_s.csv" -o "$T/hess_f.csv"

measure "redden --ebv 0.5 (TD)" $B/redden --ebv 0.5
measure "redden --lookup (HESS)" $B/redden --lookup "$HESS"
measure "mcsample (TD)" $B/mcsample --seed 1 --replica 0 "$T/td_red.csv"
measure "mcsample (HESS)" $B/mcsample --seed 1 --replica 0 "$HESS"
measure "features (TD sample)" $B/features "$T/td_s.csv"
measure "standardize --fit TD (HESS)" $B/standardize --fit "$T/td_f.csv" "$T/hess_f.csv"

# REPS replicas of the whole TD chain through pipes.
chain() {
    for r in $(seq 1 "$REPS"); do
        $B/mcsample --seed 1 --replica "$r" "$T/td_red.csv" | $B/features > "$T/r.csv"
    done
}
export -f chain; export B T REPS
measure "$REPS x (mcsample | features) TD" bash -c chain
