#!/usr/bin/env bash
# E(B-V) bins on the HESS table (2,000 sources): the paper's 25-mmag bins against bins
# whose width grows with E(B-V) (--bin-rel F: max(0.025, F x E(B-V))). Prints the bins,
# the CPU time of each run, the fraction of sources whose Class is the same as with
# 25-mmag bins (same seed), and beside it the fraction that keeps its Class between two
# seeds with 25-mmag bins (the Monte-Carlo noise floor).
#   bash benches/bin_rel.sh [MC=10] [F=0.02]
set -euo pipefail
cd "$(dirname "$0")/.."
MC=${1:-10}; F=${2:-0.02}
BIN=${BIN:-target/release}
IN=examples/hess/hess_fields.csv
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # name, options...
    local name=$1; shift
    "$BIN/classify" --mc "$MC" "$@" --plan "$IN" 2>&1 >/dev/null | head -n 1
    /usr/bin/time -f "$name: %e s wall, %U+%S s CPU, %M KB" \
        "$BIN/classify" --mc "$MC" "$@" --quiet "$IN" -o "$out/$name.csv" 2>&1 | grep "^$name:"
}
run w25_s1 --seed 1
run w25_s2 --seed 2
run rel_s1 --seed 1 --bin-rel "$F"
same() { # fraction of rows with the same Class in two tables
    python3 - "$1" "$2" <<'PY'
import csv, sys
a, b = ([r["Class"] for r in csv.DictReader(open(p))] for p in sys.argv[1:3])
print(f"{sum(x == y for x, y in zip(a, b)) / len(a):.4f} of {len(a)}")
PY
}
echo "same Class, --bin-rel $F vs 25 mmag (seed 1): $(same "$out/rel_s1.csv" "$out/w25_s1.csv")"
echo "same Class, 25 mmag seed 1 vs seed 2:        $(same "$out/w25_s1.csv" "$out/w25_s2.csv")"
