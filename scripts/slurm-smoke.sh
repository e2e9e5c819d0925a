#!/usr/bin/env bash
# A real Slurm run on this machine (needs root): installs Debian's slurm-wlm and munge if they
# are missing, configures a one-node cluster on localhost (a munge key, a slurm.conf with this
# machine's CPUs and memory, slurmctld and slurmd started directly), submits a small sweep as a
# job array of 3 shards and a dependent merge job (deploy/slurm/submit.sh), waits for the merge,
# and compares the merged CSV with the unsharded sweep's. Exit 0 only if they are identical.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin=$root/target/release/pathrisk

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# munge: a key and the daemon.
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged

# One node: this machine, with its CPUs and 80% of its memory.
host=$(hostname -s)
cpus=$(nproc)
memory=$(free -m | awk '/^Mem:/ { print int($2 * 0.8) }')
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=pathrisk-smoke
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=smoke Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 60); do
    state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    sleep 1
done
echo "slurm node $host: ${state:-no answer}"
[ "$state" = idle ] || { echo "slurm-smoke: the node did not come up" >&2; exit 1; }

# The same sweep unsharded and as 3 shards on Slurm.
work=$(mktemp -d)
sweep=("$root/scenarios/one-entity-ends.toml" --vary network.adversary.share=0.01:0.05:3
    --compare path.selection=random,operator-aware --trials 20000)
"$bin" sweep "${sweep[@]}" --quiet >"$work/whole.csv"
PATHRISK=$bin "$root/deploy/slurm/submit.sh" 3 "$work/slurm" sweep "${sweep[@]}"
for _ in $(seq 300); do
    [ -s "$work/slurm/result.csv" ] && [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 1
done
if ! [ -s "$work/slurm/result.csv" ]; then
    echo "slurm-smoke: no merged result; logs in $work/slurm" >&2
    squeue || true
    exit 1
fi
ls "$work/slurm"
if cmp "$work/whole.csv" "$work/slurm/result.csv"; then
    echo "slurm-smoke: the merged CSV of 3 Slurm shards is identical to the unsharded sweep ($(wc -l <"$work/whole.csv") lines)"
else
    echo "slurm-smoke: the merged CSV differs from the unsharded sweep" >&2
    exit 1
fi
