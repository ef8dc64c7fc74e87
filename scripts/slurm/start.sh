#!/usr/bin/env bash
# Starts munged, slurmctld and slurmd as configured by setup.sh, and waits until the node is idle
# (at most 60 s). Stop them with scripts/slurm/stop.sh.
set -euo pipefail
dir=${SEE_SLURM_DIR:-/var/lib/see-kit-slurm}
[ -f /etc/slurm/slurm.conf ] || { echo "start.sh: no /etc/slurm/slurm.conf; run scripts/slurm/setup.sh first"; exit 2; }
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  munged --force 2>/dev/null || munged --force
fi
munge -n | unmunge | grep -q 'STATUS: *Success' || { echo "start.sh: munge does not work"; exit 1; }
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
reason=""
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  case "$state" in drain*|inval*|down*) reason=$(sinfo -h -R -o %E | head -1) ;; esac
  if [ "$state" = idle ] || [ "$state" = mixed ] || [ "$state" = allocated ]; then
    echo "start.sh: Slurm is up: $(sinfo -h -o '%N %T %c CPUs %m MiB %G')"
    exit 0
  fi
  sleep 1
done
echo "start.sh: the node did not become idle within 60 s (sinfo: ${state:-nothing}${reason:+, reason: $reason}); logs in $dir/log/"
tail -5 "$dir"/log/slurmctld.log "$dir"/log/slurmd.log 2>/dev/null || true
exit 1
