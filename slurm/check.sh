#!/usr/bin/env bash
# `make slurm-check`: a real single-node Slurm on this machine (Debian's slurm-wlm and
# munge, installed when absent), daemons on private ports with every file under a
# scratch directory, torn down afterwards (also on failure). It classifies 200 HESS
# sources with MC=4 in 4 shards through slurm/submit.sh, cancels one running shard,
# shows that rerunning the driver completes the run, and checks the merged table
# against `make classify` in one process, byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

me=slurm/check.sh
BIN=${BIN:-target/release}
SOURCES=${SOURCES:-200}; MC=${MC:-4}; SHARDS=${SHARDS:-4}

if [[ $(id -u) != 0 ]]; then
    echo "$me: needs root (to install Slurm and run its daemons)" >&2; exit 2
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "$me: installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

scratch=$(mktemp -d /tmp/muwclass-slurm.XXXXXX)
chmod 755 "$scratch"
pids=()
teardown() {
    local status=$?
    # Only the daemons this script started, by the pids they wrote.
    for f in "$scratch/slurmd.pid" "$scratch/slurmctld.pid" "$scratch/munge/munged.pid"; do
        [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null || true
    done
    sleep 1
    if (( status != 0 )); then
        echo "$me: FAILED; the last lines of the logs:" >&2
        tail -n 5 "$scratch"/*.log "$scratch"/work/out.csv.shards/logs/*.log 2>/dev/null >&2 || true
    fi
    rm -rf "$scratch"
    exit $status
}
trap teardown EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
ctld_port=$(free_port); slurmd_port=$(free_port)
host=$(hostname -s)
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
cpus=$(nproc)

mkdir -p "$scratch/munge" "$scratch/state" "$scratch/spool" "$scratch/work"
chown munge:munge "$scratch/munge"
chmod 755 "$scratch/munge"
runuser -u munge -- /usr/sbin/munged --socket="$scratch/munge/munge.socket" \
    --pid-file="$scratch/munge/munged.pid" --log-file="$scratch/munge/munged.log" \
    --seed-file="$scratch/munge/munged.seed"

export SLURM_CONF=$scratch/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=muwclass$$
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$scratch/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=check Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "$me: the Slurm node did not come up" >&2; exit 1; }
echo "$me: Slurm up on $host (slurmctld port $ctld_port, slurmd port $slurmd_port, $scratch)"

work=$scratch/work
head -n $((SOURCES + 1)) examples/hess/hess_fields.csv > "$work/table.csv"
run=(env IN="$work/table.csv" OUT="$work/out.csv" MC="$MC" SHARDS="$SHARDS" BIN="$BIN" slurm/submit.sh)

wait_gone() { # job ids...: until none is in the queue (at most 15 min)
    for _ in $(seq 900); do
        [[ -z $(squeue -h -j "$1" -o %i 2>/dev/null) ]] && return 0
        sleep 1
    done
    echo "$me: jobs $1 still in the queue after 15 min" >&2; return 1
}

"${run[@]}" | tee "$work/submit1.txt"
read -r array merge < "$work/out.csv.shards/jobs"
# Cancel one shard while it runs: its file never appears and the merge cannot start.
victim=
for _ in $(seq 600); do
    victim=$(squeue -h -j "$array" -t RUNNING -o %i | head -n 1)
    [[ -n $victim ]] && break
    sleep 0.5
done
[[ -n $victim ]] || { echo "$me: no shard was seen running" >&2; exit 1; }
scancel "$victim"
echo "$me: cancelled running shard $victim"
wait_gone "$array"
[[ ! -e $work/out.csv ]] || { echo "$me: merged although a shard was cancelled" >&2; exit 1; }
task=${victim#*_}
[[ ! -e $work/out.csv.shards/shard_$task.csv ]] || { echo "$me: cancelled shard $task has a file" >&2; exit 1; }

# Rerun: only the cancelled shard is resubmitted, then the merge.
"${run[@]}" | tee "$work/submit2.txt"
grep -q "shards $task of $SHARDS " "$work/submit2.txt" ||
    { echo "$me: the rerun did not resubmit exactly shard $task" >&2; exit 1; }
read -r array2 merge2 < "$work/out.csv.shards/jobs"
wait_gone "$array2,$merge2"
[[ -s $work/out.csv ]] || { echo "$me: no merged table after the rerun" >&2; exit 1; }

make --no-print-directory classify BUILD=0 BIN="$BIN" IN="$work/table.csv" OUT="$work/one.csv" MC="$MC" >/dev/null 2>&1
if cmp "$work/out.csv" "$work/one.csv"; then
    echo "$me: OK: $SOURCES sources, MC=$MC, $SHARDS Slurm shards (one cancelled, then resubmitted) merged = one-process classify, byte for byte"
else
    echo "$me: the merged table differs from the one-process classify" >&2; exit 1
fi
