#!/usr/bin/env bash
# Scale-out on a real Slurm cluster: a single-node cluster (Debian's slurmctld, slurmd,
# slurm-client and munge, run as root from a temporary folder) runs the README's `--array` job
# for a test-scale claim; one array task is SIGKILLed midway (`scancel --signal=KILL`) and
# resubmitted, so it resumes from its checkpoint; `veristat merge` (without `--scale`: the parts
# record it) must give the content_hash of a single-process run. Starts and stops the daemons
# itself; exits non-zero on any mismatch or failure.
#
# Usage (as root): tests/slurm/run.sh [path/to/veristat]   (default target/debug/veristat)
# Environment: CLAIM, REPLICATES, SHARDS, SLURMCTLD_PORT, SLURMD_PORT override the defaults.
set -euo pipefail

BIN=$(realpath "${1:-target/debug/veristat}")
CLAIM=${CLAIM:-expfam-c1-correct}
REPLICATES=${REPLICATES:-100000}
SHARDS=${SHARDS:-4}
KILLED=0 # the array task that is killed midway and resubmitted
T0=$(date +%s)

say() { printf '[slurm-test %3ds] %s\n' "$(($(date +%s) - T0))" "$*"; }
fail() {
    say "FAIL: $*"
    exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (it starts munged, slurmctld and slurmd)"
[ -x "$BIN" ] || fail "no veristat binary at $BIN (build it, or pass its path)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurmctld slurmd slurm-client munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi
say "$(slurmctld -V), $(munged -V 2>&1 | head -1)"

WORK=$(mktemp -d /tmp/veristat-slurm.XXXXXX)
chmod 0755 "$WORK"
PIDS=()
cleanup() {
    local rc=$?
    set +e
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
        scancel --quiet --user=root 2>/dev/null
        for _ in $(seq 100); do
            [ -z "$(squeue -h 2>/dev/null)" ] && break
            sleep 0.1
        done
    fi
    # Stop the daemons this script started, newest first, by their process ids.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill "${PIDS[i]}" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    unset SLURM_CONF # so that no command of this sweep matches itself
    # A job step still running then (slurmstepd and its tasks, which ignore SIGTERM without
    # their slurmd) is this cluster's when its environment names this cluster's slurm.conf.
    for env in /proc/[0-9]*/environ; do
        if grep -qzx "SLURM_CONF=$WORK/slurm.conf" "$env" 2>/dev/null; then
            pid=${env#/proc/}
            pid=${pid%/environ}
            [ "$pid" != $$ ] && kill -KILL "$pid" 2>/dev/null
        fi
    done
    if [ "$rc" != 0 ]; then
        for f in "$WORK"/*.out "$WORK"/logs/*; do
            [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
        done
    fi
    rm -rf "$WORK"
    say "daemons stopped, $WORK removed; exit $rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Slurm's ports, 6817 and 6818 unless taken (another cluster of this test running beside it):
# then the next free pair.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${SLURMCTLD_PORT:-}" ]; then
    CTLD_PORT=$SLURMCTLD_PORT
else
    CTLD_PORT=none
    for p in $(seq 6817 2 6915); do
        if ! in_use "$p" && ! in_use "$((p + 1))"; then
            CTLD_PORT=$p
            break
        fi
    done
    [ "$CTLD_PORT" != none ] || fail "no free port pair in 6817-6916"
fi
SLURMD_PORT=${SLURMD_PORT:-$((CTLD_PORT + 1))}
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
    if in_use "$port"; then fail "port $port is in use; set SLURMCTLD_PORT/SLURMD_PORT"; fi
done

# munge: a fresh key from /dev/urandom, socket and state in the temporary folder.
mkdir -p "$WORK/munge" "$WORK/state" "$WORK/spool" "$WORK/logs"
chmod 0700 "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$WORK/munge/munge.key"
munged --foreground --force --key-file="$WORK/munge/munge.key" \
    --socket="$WORK/munge/munge.socket" --pid-file="$WORK/munge/munged.pid" \
    --seed-file="$WORK/munge/munged.seed" --log-file="$WORK/munged.log" >"$WORK/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$WORK/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$WORK/munge/munge.socket" ] || fail "munged did not start"

NODE=$(hostname -s)
export SLURM_CONF="$WORK/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=veristat-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.socket
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -c -f "$SLURM_CONF" >"$WORK/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >"$WORK/slurmd.out" 2>&1 &
PIDS+=($!)

state=""
for _ in $(seq 120); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || fail "node not idle after 60 s (state '$state')"
say "cluster up: $(sinfo -h -N -o '%N %T %c CPUs'), ports $CTLD_PORT/$SLURMD_PORT"

# The README's job array, one CPU (and one rayon thread) per task.
cat >"$WORK/job.sh" <<JOB
#!/bin/bash
#SBATCH --array=0-$((SHARDS - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$WORK/logs/%A_%a.out
#SBATCH --error=$WORK/logs/%A_%a.err
export RAYON_NUM_THREADS=1
exec "$BIN" verify $CLAIM --replicates $REPLICATES --seed 1 --shard \$SLURM_ARRAY_TASK_ID/$SHARDS --scale test --format json
JOB
RESULTS="$WORK/results/$CLAIM"
queued() { squeue -h -j "$1" -o '%i' 2>/dev/null | grep -c . || true; }

JOB=$(sbatch --parsable --chdir="$WORK" "$WORK/job.sh")
say "submitted array job $JOB: $SHARDS tasks of $CLAIM, $REPLICATES replicates, --scale test"

# Kill task $KILLED once it has checkpointed at least one chunk, before it writes its part.
CHUNKS="$RESULTS/.chunks-$KILLED-of-$SHARDS"
for _ in $(seq 1200); do
    compgen -G "$CHUNKS/chunk-*.bin" >/dev/null && break
    if [ -f "$RESULTS/part-$KILLED-of-$SHARDS.parquet" ]; then
        fail "task $KILLED finished before it could be killed; raise REPLICATES"
    fi
    sleep 0.1
done
compgen -G "$CHUNKS/chunk-*.bin" >/dev/null || fail "task $KILLED wrote no checkpoint in 120 s"
scancel --signal=KILL "${JOB}_$KILLED"
for _ in $(seq 300); do [ "$(queued "${JOB}_$KILLED")" = 0 ] && break; sleep 0.1; done
[ "$(queued "${JOB}_$KILLED")" = 0 ] || fail "task ${JOB}_$KILLED still queued after SIGKILL"
if [ -f "$RESULTS/part-$KILLED-of-$SHARDS.parquet" ]; then
    fail "killed task $KILLED wrote its part anyway"
fi
say "task ${JOB}_$KILLED SIGKILLed with $(ls "$CHUNKS" | grep -c '^chunk-') chunk(s) saved; $(scontrol show job "${JOB}_$KILLED" | grep -o 'JobState=[A-Z]*')"

AGAIN=$(sbatch --parsable --chdir="$WORK" --array="$KILLED" "$WORK/job.sh")
say "resubmitted task $KILLED as job ${AGAIN}"
for _ in $(seq 3000); do
    [ "$(queued "$JOB")" = 0 ] && [ "$(queued "$AGAIN")" = 0 ] && break
    sleep 0.2
done
[ "$(queued "$JOB")" = 0 ] && [ "$(queued "$AGAIN")" = 0 ] || fail "jobs still running after 600 s"

RESUMED=$(cat "$WORK"/logs/"${AGAIN}"_"$KILLED".err)
grep -q '^resuming: [1-9][0-9]* replicates restored' <<<"$RESUMED" ||
    fail "the resubmitted task did not resume from the checkpoint: $RESUMED"
say "resubmitted task: $(grep '^resuming' <<<"$RESUMED")"
for i in $(seq 0 $((SHARDS - 1))); do
    [ -f "$RESULTS/part-$i-of-$SHARDS.parquet" ] || fail "part $i missing"
    if [ -d "$RESULTS/.chunks-$i-of-$SHARDS" ]; then fail "checkpoint of shard $i left behind"; fi
done

hash_of() { sed -n 's/^ *"content_hash": "\([0-9a-f]*\)".*/\1/p' "$1"; }
(cd "$WORK" && "$BIN" merge "results/$CLAIM" --format json >"$WORK/merged.json" 2>"$WORK/merged.err")
say "$(cat "$WORK/merged.err")"
MERGED=$(hash_of "$WORK/merged.json")
"$BIN" verify "$CLAIM" --replicates "$REPLICATES" --seed 1 --scale test --format json \
    --out "$WORK/single" >"$WORK/single.json" 2>"$WORK/single.err"
SINGLE=$(hash_of "$WORK/single.json")
say "merged content_hash $MERGED, single-process content_hash $SINGLE"
[ -n "$MERGED" ] && [ "$MERGED" = "$SINGLE" ] || fail "content_hash mismatch"
say "PASS in $(($(date +%s) - T0)) s"
