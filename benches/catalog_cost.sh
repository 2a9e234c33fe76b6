#!/usr/bin/env bash
# What classifying a whole catalog costs (issue 10 §3), measured with the real
# `classify` binary, one thread, CPU time (user + sys) from /usr/bin/time:
#
# 1. `synth csc`: a CSC-2.1-sized table (407,000 sources, common/src/synth/catalog.rs),
#    `redden --lookup` its E(B-V), and its 25-mmag bins and their sizes.
# 2. The cost of one (bin, replica) unit against the sources in the bin: S sources
#    of one bin classified with R1 and R2 replicas; a unit = the difference / (R2 - R1)
#    (the start-up, reading the map and the training set, cancels), and the peak RSS.
# 3. A random sample of the table's bins, all their units run at SAMPLE_MC replicas,
#    against what the unit-cost curve predicts for them; then the whole table's
#    core-hours at 100 and 1,000 replicas from the curve and the bin sizes.
#
# With OLD=path/to/an/older/classify, steps 2 and 3 time both binaries alternately in
# the same run (the machine is shared: only ratios from one run are meaningful).
#
# Usage: benches/catalog_cost.sh            (BENCH_DIR=target/bench-catalog)
#        OLD=/tmp/classify.old SIZES="1 10 100" benches/catalog_cost.sh   (quicker)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench-catalog}
n=${N:-407000}
sizes=${SIZES:-1 10 100 1000 10000 70000}
sample_bins=${SAMPLE_BINS:-24}
sample_mc=${SAMPLE_MC:-2}
mkdir -p "$dir"
if [ "${BUILD:-1}" = 1 ]; then
    cargo build --release --quiet --bin classify --bin synth --bin redden
fi
bin=${BIN:-target/release}
declare -A tool=([new]="$bin/classify")
names=(new)
if [ -n "${OLD:-}" ]; then
    tool[old]=$OLD
    names=(old new)
fi

# --- 1. The table and its bins ---------------------------------------------------------
if [ ! -s "$dir/csc_ebv.csv" ]; then
    /usr/bin/time -f "synth csc $n: %e s wall, %M KB peak" "$bin/synth" csc "$n" > "$dir/csc.csv"
    /usr/bin/time -f "redden --lookup: %e s wall, %M KB peak" \
        "$bin/redden" --lookup "$dir/csc.csv" -o "$dir/csc_ebv.csv"
fi
python3 - "$dir" <<'PY'
import csv, sys, collections
d = sys.argv[1]
with open(f"{d}/csc_ebv.csv") as f:
    r = csv.reader(f)
    h = next(r)
    b = h.index("ebv_bin")
    counts = collections.Counter(int(row[b]) for row in r)
with open(f"{d}/bins.csv", "w") as f:
    f.write("ebv_bin,sources\n")
    for k in sorted(counts):
        f.write(f"{k},{counts[k]}\n")
sizes = sorted(counts.values())
print(f"{sum(sizes)} sources in {len(sizes)} E(B-V) bins (25 mmag), bins 0..{max(counts)}")
for lo, hi in [(1, 1), (2, 9), (10, 99), (100, 999), (1000, 9999), (10000, 10**9)]:
    sel = [s for s in sizes if lo <= s <= hi]
    print(f"  bins of {lo}-{hi if hi < 10**9 else 'more'} sources: {len(sel):4d} bins, {sum(sel):7d} sources")
top = counts.most_common(6)
print("  largest: " + ", ".join(f"bin {k} (E(B-V) {k*0.025:.3f}-{(k+1)*0.025:.3f}): {v}" for k, v in top))
PY

# --- 2. Unit cost against sources per bin -----------------------------------------------
# The sources of the largest bin, in table order; S of them form a one-bin table.
big=$(awk -F, 'NR > 1 && $2 > m { m = $2; b = $1 } END { print b }' "$dir/bins.csv")
awk -F, -v bin="$big" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ebv_bin") c = i; print; next }
    $c == bin' "$dir/csc_ebv.csv" > "$dir/bin_$big.csv"
cpu() { # cpu TOOL MC FILE -> "cpu_seconds peak_kb"
    /usr/bin/time -f "%U %S %M" -o "$dir/t" "$1" --threads 1 --quiet --mc "$2" "$3" -o "$dir/out.csv" 2> "$dir/err"
    awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$dir/t"
}
echo "unit cost (one thread): S sources of bin $big, R1 and R2 replicas"
echo "tool S R1 R2 cpu_R1 cpu_R2 ms_per_unit peak_MB" > "$dir/units.txt"
for s in $sizes; do
    head -n $((s + 1)) "$dir/bin_$big.csv" > "$dir/s_$s.csv"
    if [ "$s" -le 100 ]; then r1=2; r2=12; elif [ "$s" -le 1000 ]; then r1=1; r2=5; else r1=1; r2=3; fi
    for name in "${names[@]}"; do
        read -r c1 _ < <(cpu "${tool[$name]}" $r1 "$dir/s_$s.csv")
        read -r c2 m2 < <(cpu "${tool[$name]}" $r2 "$dir/s_$s.csv")
        ms=$(awk -v a="$c1" -v b="$c2" -v r1=$r1 -v r2=$r2 'BEGIN { printf "%.1f", (b - a) / (r2 - r1) * 1000 }')
        echo "$name $s $r1 $r2 $c1 $c2 $ms $((m2 / 1024))" | tee -a "$dir/units.txt"
    done
done

# --- 3. A sample of the table's bins, and the projection ---------------------------------
python3 - "$dir" "$sample_bins" <<'PY'
import csv, random, sys
d, k = sys.argv[1], int(sys.argv[2])
bins = [tuple(map(int, r)) for r in list(csv.reader(open(f"{d}/bins.csv")))[1:]]
# Uniform over the bins (most are small, as in the table), plus one of the large ones.
random.seed(1)
pick = set(b for b, _ in random.sample(bins, k - 1))
large = [b for b, s in bins if 1000 <= s <= 20000]
if large:
    pick.add(random.choice(large))
with open(f"{d}/sample_bins.txt", "w") as f:
    f.write("\n".join(str(b) for b in sorted(pick)) + "\n")
PY
awk -F, 'NR == FNR { want[$1] = 1; next }
    FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "ebv_bin") c = i; print; next }
    ($c in want)' "$dir/sample_bins.txt" "$dir/csc_ebv.csv" > "$dir/sample.csv"
echo "sample: $(wc -l < "$dir/sample_bins.txt") bins, $(($(wc -l < "$dir/sample.csv") - 1)) sources, $sample_mc replicas"
echo "tool mc cpu_s" > "$dir/sample_cpu.txt"
for name in "${names[@]}"; do
    read -r c0 _ < <(cpu "${tool[$name]}" 1 "$dir/s_1.csv")
    read -r c _ < <(cpu "${tool[$name]}" "$sample_mc" "$dir/sample.csv")
    # minus one start-up (the R=1 run of a one-source table is start-up plus one unit)
    echo "$name $sample_mc $c $c0" | tee -a "$dir/sample_cpu.txt"
done
python3 - "$dir" "$sample_mc" <<'PY'
import csv, sys
d, mc = sys.argv[1], int(sys.argv[2])
bins = dict(tuple(map(int, r)) for r in list(csv.reader(open(f"{d}/bins.csv")))[1:])
units = {}
for line in open(f"{d}/units.txt").read().split("\n")[1:]:
    if line.strip():
        t, s, *_, ms, _ = line.split()
        units.setdefault(t, []).append((int(s), float(ms) / 1000))
def model(points, s):
    """Unit CPU seconds for a bin of s sources: linear between the measured sizes,
    linear beyond the largest (the slope of the last interval)."""
    pts = sorted(points)
    if s <= pts[0][0]:
        return pts[0][1]
    for (s0, c0), (s1, c1) in zip(pts, pts[1:]):
        if s <= s1:
            return c0 + (c1 - c0) * (s - s0) / (s1 - s0)
    (s0, c0), (s1, c1) = pts[-2], pts[-1]
    return c1 + (c1 - c0) * (s - s1) / (s1 - s0)
sample = [int(l) for l in open(f"{d}/sample_bins.txt").read().split()]
measured = {}
for line in open(f"{d}/sample_cpu.txt").read().split("\n")[1:]:
    if line.strip():
        t, _, c, c0 = line.split()
        measured[t] = float(c) - (float(c0) - model(units[t], 1))
print("tool  sample: measured / predicted CPU s   whole table: core-hours at 100 / 1,000 replicas;"
      " wall at 100 replicas on 2 cores / one 64-core node / 20 nodes")
for t, pts in units.items():
    pred = sum(model(pts, bins[b]) for b in sample) * mc
    per_replica = sum(model(pts, s) for s in bins.values())
    h100, h1000 = per_replica * 100 / 3600, per_replica * 1000 / 3600
    m = measured.get(t, float("nan"))
    print(f"{t:4s}  {m:8.1f} / {pred:8.1f} ({m / pred - 1:+.0%})"
          f"   {h100:7.1f} / {h1000:8.1f} core-h"
          f"   {h100 / 2:6.1f} h / {h100 / 64 * 60:6.1f} min / {h100 / 1280 * 60:5.1f} min")
PY
