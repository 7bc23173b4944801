#!/usr/bin/env bash
# Brings up a single-node Slurm cluster on loopback, for the sweep tests (docs/cluster.md):
# installs Debian's slurm-wlm and munge when missing, writes /etc/slurm/slurm.conf (only when there is
# none, or when it is ours), starts munged, slurmctld and slurmd as root, and waits until the node
# accepts jobs. Exits non-zero when Slurm did not come up: CI must not silently skip the Slurm tests.
#
#   scripts/slurm-up.sh          bring it up (safe to run again; leaves a running cluster alone)
#   scripts/slurm-up.sh --down   stop the daemons this script started
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker="# Written by Embody's scripts/slurm-up.sh"
state=/var/lib/embody-slurm

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-up: must run as root (it starts munged, slurmctld and slurmd)" >&2
  exit 1
fi

if [ "${1:-}" = "--down" ]; then
  for d in slurmd slurmctld munged; do
    if [ -f "$state/$d.pid" ]; then kill "$(cat "$state/$d.pid")" 2>/dev/null || true; rm -f "$state/$d.pid"; fi
  done
  exit 0
fi

missing=()
for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "slurm-up: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$state" /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
chown -R munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true

# munge: a key, then the daemon.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key --force; else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if id munge >/dev/null 2>&1; then
    su -s /bin/sh munge -c "/usr/sbin/munged --force" || /usr/sbin/munged --force
  else
    /usr/sbin/munged --force
  fi
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  # munged forks into the background; its own pid file names the daemon.
  if [ -s /run/munge/munged.pid ]; then cp /run/munge/munged.pid "$state/munged.pid"; fi
fi
munge -n | unmunge >/dev/null || { echo "slurm-up: munged did not start" >&2; exit 1; }

# slurm.conf: one node on loopback with this machine's CPUs and memory, one partition.
cpus=$(nproc)
memory=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
if [ ! -f "$conf" ] || grep -q "$marker" "$conf"; then
  cat > "$conf" <<EOF
$marker: a single-node cluster on loopback for the sweep tests.
ClusterName=embody
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
MaxArraySize=100001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
fi

if ! scontrol ping 2>/dev/null | grep -q "is UP"; then
  /usr/sbin/slurmctld
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.2; done
fi
if ! pgrep -x slurmd >/dev/null; then
  /usr/sbin/slurmd
fi
for _ in $(seq 150); do
  s=$(sinfo -h -N -o "%T" 2>/dev/null | head -1 || true)
  case "$s" in idle*|mixed*|allocated*) break ;; esac
  sleep 0.2
done
s=$(sinfo -h -N -o "%T" 2>/dev/null | head -1 || true)
case "$s" in
  idle*|mixed*|allocated*) ;;
  *) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true; sleep 1
     s=$(sinfo -h -N -o "%T" 2>/dev/null | head -1 || true) ;;
esac
case "$s" in
  idle*|mixed*|allocated*) echo "slurm-up: single-node cluster up ($cpus CPUs, node $s)" >&2 ;;
  *) echo "slurm-up: Slurm did not come up (node state '$s'); see /var/log/slurm/" >&2
     tail -5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 2>/dev/null || true
     exit 1 ;;
esac
# A job that runs proves the whole path: controller, node daemon, munge credentials.
out=$(timeout 60 srun -N1 -n1 -t 1 /bin/echo embody-slurm-ok 2>&1 || true)
if [ "$out" != "embody-slurm-ok" ]; then
  echo "slurm-up: a test job did not run: $out" >&2
  exit 1
fi
