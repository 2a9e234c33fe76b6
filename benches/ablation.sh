#!/usr/bin/env bash
# The issue-12 ablation: LOOCV of paper mode, each option alone and the profiles, same
# seed and same left-out sources (loocv --limit is a stratified subset fixed by the
# seed), one metrics JSON per configuration in $OUT, then the README table.
#
#   bash benches/ablation.sh                  # LIMIT=600 MC=2 (the README's small run)
#   LIMIT=2941 MC=10 bash benches/ablation.sh # the acceptance size (~25 min per config)
#
# Configurations run in parallel, one thread each, under nice.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${LIMIT:-600}
MC=${MC:-2}
SEED=${SEED:-1}
OUT=${OUT:-target/ablation-l$LIMIT-mc$MC}
B=${B:-target/release}
JOBS=${JOBS:-2}
mkdir -p "$OUT"
CONFIGS=(
  "paper|--profile paper"
  "astrometry|--profile paper --feature-set astrometry"
  "oversample-0.5|--profile paper --oversample 0.5"
  "oversample-1|--profile paper --oversample 1"
  "astrometry+oversample-0.5|--profile paper --feature-set astrometry --oversample 0.5"
  "class-weight-bs|--profile paper --class-weight balanced_subsample"
  "improved|--profile improved"
)
run() {
  local name=${1%%|*} opts=${1#*|}
  [ -s "$OUT/$name.json" ] && return 0
  # shellcheck disable=SC2086
  /usr/bin/time -f "$name %e s wall %U s user %M KB" nice -n 10 "$B/loocv" --mc "$MC" --seed "$SEED" \
    --limit "$LIMIT" --threads 1 --quiet $opts --metrics "$OUT/$name.json" -o "$OUT/$name.csv" \
    2>> "$OUT/times.txt"
}
export -f run
export OUT MC SEED LIMIT B
printf '%s\n' "${CONFIGS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run "$@"' _ {}
cat "$OUT/times.txt"
python3 benches/ablation_table.py "$OUT" "${CONFIGS[@]%%|*}"
