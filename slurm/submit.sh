#!/usr/bin/env bash
# Classifies a table on a Slurm cluster: one job array over the shards of the run
# (`classify --shard I/N`) and a merge job that waits for it (`ctscore --merge`,
# --dependency=afterok) and writes the very bytes of a one-process `classify`.
# Run it again after a failure: it resubmits only the shards whose file is missing
# or incomplete, then the merge. `make slurm IN=... OUT=... MC=... SHARDS=...` calls it.
#
# Settings (environment): IN, OUT (required), MC=100, SHARDS=8, SEED=1, TREES=100,
# K=4, ERROR_SCALE=1, BIN_OPTS (e.g. "--bin-rel 0.02"), CPUS=1 (per shard),
# PARTITION, ACCOUNT (passed to sbatch), BIN=target/release (the tools),
# WORK=$OUT.shards (shard files, logs, job ids), SBATCH/SQUEUE/SCANCEL (the Slurm
# commands, e.g. a site's wrappers).
set -euo pipefail

me=slurm/submit.sh
die() { echo "$me: $*" >&2; exit 2; }

IN=${IN:?$me: IN=table.csv is required}
OUT=${OUT:?$me: OUT=classified.csv is required}
MC=${MC:-100}; SHARDS=${SHARDS:-8}; SEED=${SEED:-1}; TREES=${TREES:-100}; K=${K:-4}
ERROR_SCALE=${ERROR_SCALE:-1}; BIN_OPTS=${BIN_OPTS:-}; CPUS=${CPUS:-1}
BIN=${BIN:-target/release}; WORK=${WORK:-$OUT.shards}
PARTITION=${PARTITION:-}; ACCOUNT=${ACCOUNT:-}
SBATCH=${SBATCH:-sbatch}; SQUEUE=${SQUEUE:-squeue}; SCANCEL=${SCANCEL:-scancel}

[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || die "SHARDS='$SHARDS' is not a whole number >= 1"
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || die "CPUS='$CPUS' is not a whole number >= 1"
[[ -r $IN ]] || die "$IN: cannot read the input table"
for tool in "$SBATCH" "$SQUEUE"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: Slurm is not installed or not on PATH"
done
abs() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
mkdir -p "$(dirname "$OUT")" "$WORK/logs"
IN=$(abs "$IN"); OUT=$(abs "$OUT"); WORK=$(abs "$WORK")
CLASSIFY=$(abs "$BIN/classify"); CTSCORE=$(abs "$BIN/ctscore")
[[ -x $CLASSIFY && -x $CTSCORE ]] || die "$BIN: no classify/ctscore binaries (cargo build --release)"

OPTS="--mc $MC --seed $SEED --trees $TREES --k $K --error-scale $ERROR_SCALE $BIN_OPTS"
# The shards in WORK must be of this very run: same table, options and shard count.
run="in=$IN opts=$OPTS shards=$SHARDS"
if [[ -f $WORK/run ]]; then
    [[ $(cat "$WORK/run") == "$run" ]] ||
        die "$WORK holds shards of another run ($(cat "$WORK/run")); remove it or choose another OUT"
else
    echo "$run" > "$WORK/run"
fi

# Jobs of an earlier submission still in the queue: shards running means wait; a
# merge job left alone waits on a failed array forever, so it is replaced.
if [[ -f $WORK/jobs ]]; then
    read -r old_array old_merge < "$WORK/jobs"
    if [[ -n $("$SQUEUE" -h -j "$old_array" -o %i 2>/dev/null) ]]; then
        die "shards of this run are still queued or running (job $old_array): wait, or scancel $old_array"
    fi
    if [[ -n $("$SQUEUE" -h -j "$old_merge" -o %i 2>/dev/null) ]]; then
        "$SCANCEL" "$old_merge" || die "cannot cancel the stale merge job $old_merge"
        echo "$me: cancelled merge job $old_merge (its shards did not all succeed)"
    fi
fi

# Size the run from its plan: per shard, estimated CPU seconds and memory.
"$CLASSIFY" $OPTS --plan --shards "$SHARDS" --threads "$CPUS" "$IN" -o "$WORK/plan.csv" 2> "$WORK/plan.txt" ||
    die "classify --plan failed: $(tail -n 1 "$WORK/plan.txt")"
read -r seconds mem < <(awk '/^shard [0-9]+\//{ if ($5 > s) s = $5; if ($8 > m) m = $8 }
    END { printf "%d %d\n", s + 0.5, m + 0.5 }' "$WORK/plan.txt")
# Three times the estimate plus ten minutes of margin; twice the memory, at least 256 MB.
minutes=$(( (3 * seconds / CPUS + 59) / 60 + 10 ))
mem_mb=$(( 2 * mem > 256 ? 2 * mem : 256 ))

# A shard is done when its file is complete (written atomically, ends with #end).
missing=()
for i in $(seq 1 "$SHARDS"); do
    f=$WORK/shard_$i.csv
    if [[ -f $f ]] && tail -n 1 "$f" | grep -q '^#end rows='; then continue; fi
    missing+=("$i")
done

sb=("$SBATCH" --parsable)
[[ -n $PARTITION ]] && sb+=(--partition "$PARTITION")
[[ -n $ACCOUNT ]] && sb+=(--account "$ACCOUNT")
submit() {
    local id err
    err=$(mktemp)
    if ! id=$("${sb[@]}" "$@" 2> "$err"); then
        local msg; msg=$(head -n 1 "$err"); rm -f "$err"
        die "sbatch failed: ${msg:-no message}"
    fi
    rm -f "$err"
    echo "${id%%;*}"
}

cat > "$WORK/shard.sbatch" <<JOB
#!/bin/sh
# One shard of the run: the tool binary and the input table, nothing else.
exec "$CLASSIFY" $OPTS --threads $CPUS --quiet --shard "\$SLURM_ARRAY_TASK_ID/$SHARDS" -o "$WORK/shard_\$SLURM_ARRAY_TASK_ID.csv" "$IN"
JOB
shard_files=$(for i in $(seq 1 "$SHARDS"); do printf '"%s" ' "$WORK/shard_$i.csv"; done)
cat > "$WORK/merge.sbatch" <<JOB
#!/bin/sh
exec "$CTSCORE" --merge $shard_files--join "$IN" --report -o "$OUT"
JOB

dependency=()
array=none
if (( ${#missing[@]} > 0 )); then
    list=$(IFS=,; echo "${missing[*]}")
    array=$(submit --array="$list" --job-name=muwclass-shard --cpus-per-task="$CPUS" \
        --mem="${mem_mb}M" --time="$minutes" --output="$WORK/logs/shard_%a.log" "$WORK/shard.sbatch")
    dependency=(--dependency="afterok:$array")
    echo "$me: job $array: shards $list of $SHARDS (each <= $seconds CPU s estimated; asks $CPUS CPU, ${mem_mb} MB, $minutes min)"
else
    echo "$me: all $SHARDS shards are complete"
fi
merge=$(submit "${dependency[@]}" --job-name=muwclass-merge --cpus-per-task=1 --mem=1024M \
    --time=30 --output="$WORK/logs/merge.log" "$WORK/merge.sbatch")
echo "$array $merge" > "$WORK/jobs"
echo "$me: job $merge: merge into $OUT after the shards (watch: squeue -j $array,$merge; logs: $WORK/logs/)"
