#!/usr/bin/env bash
# Throughput of `ctscore` on a HESS-sized replica table: 2,000 sources x 1,000 replicas
# (2 million rows, the paper's K = 1000; spec 8). Prints wall time, CPU and max RSS.
#   bash benches/ctscore.sh [sources] [replicas]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
k=${2:-1000}
dir=${TMPDIR:-/tmp}/muwclass-bench-ctscore
mkdir -p "$dir"
cargo build --release --bin ctscore >/dev/null
reps="$dir/replicas_${n}x${k}.csv"
if [ ! -s "$reps" ]; then
    python3 - "$n" "$k" > "$reps" <<'PY'
import random, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(7)
out = sys.stdout
out.write("CSCv2_name,mc,P_AGN,P_CV,P_HM-STAR,P_HMXB,P_LM-STAR,P_LMXB,P_NS,P_YSO\n")
for m in range(k):
    for i in range(n):
        w = [rnd.random() ** 3 for _ in range(8)]
        s = sum(w)
        out.write(f"2CXO J{i:06d}.0+000000,{m}," + ",".join(f"{x / s:.4f}" for x in w) + "\n")
PY
fi
ls -l "$reps"
/usr/bin/time -v target/release/ctscore "$reps" -o "$dir/summary.csv" 2> "$dir/time.txt"
grep -E "Elapsed|User time|Maximum resident" "$dir/time.txt"
