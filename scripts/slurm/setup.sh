#!/usr/bin/env bash
# Installs and configures a single-node Slurm on this machine (Debian's slurm-wlm 22.05 + munge), as
# root, for CI's sweep test (scripts/slurm/ci.sh) or trying `see-kit sweep --slurm` locally. The node
# offers its cores, its memory less 512 MiB, and SEE_SLURM_GPUS (default 2) "gpu" generic resources
# backed by placeholder files (no GPU is used), so job scripts that ask for --gres=gpu:1, as on a GPU cluster, are scheduled
# as they would be there. Everything Slurm writes goes under SEE_SLURM_DIR (default
# /var/lib/see-kit-slurm). Running it again (Slurm stopped) rewrites the configuration and starts
# from an empty cluster state.
# Checked facts this follows: ../shared/notes/slurm.md (a copy of the essentials is in this script).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
dir=${SEE_SLURM_DIR:-/var/lib/see-kit-slurm}
gpus=${SEE_SLURM_GPUS:-2}
[ "$(id -u)" -eq 0 ] || { echo "setup.sh: run as root (it installs packages and writes /etc/slurm)"; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# munge: a key of 1 KiB random bytes, owned by munge, mode 400; its folders owned by munge
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 512 ))
pgrep -x slurmctld >/dev/null && { echo "setup.sh: slurmctld is running; stop it first (scripts/slurm/stop.sh)"; exit 2; }
rm -rf "$dir/state" # a fresh cluster: no jobs or node states (a drained node) carried over
mkdir -p "$dir"/{state,spool,log} /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
# written by see-kit scripts/slurm/setup.sh: a single-node cluster on $host
ClusterName=seekit
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
JobRequeue=1
GresTypes=gpu
NodeName=$host CPUs=$cpus RealMemory=$mem Gres=gpu:$gpus State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# Slurm drops a "gpu" without a File: each gets a placeholder file (task/none binds no devices)
mkdir -p "$dir/gpus"
for i in $(seq 0 $(( gpus - 1 ))); do touch "$dir/gpus/gpu$i"; done
cat > /etc/slurm/gres.conf <<CONF
# written by see-kit scripts/slurm/setup.sh: $gpus "gpu" resources with placeholder files (CI has no GPU)
NodeName=$host Name=gpu File=$dir/gpus/gpu[0-$(( gpus - 1 ))]
CONF
echo "setup.sh: Slurm configured on $host ($cpus CPUs, $mem MiB, gpu:$gpus) under $dir; start it with scripts/slurm/start.sh"
