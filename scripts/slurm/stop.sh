#!/usr/bin/env bash
# Stops what start.sh started: slurmctld and slurmd (scontrol shutdown), then munged by its process
# id. Never fails (it runs from traps).
dir=${SEE_SLURM_DIR:-/var/lib/see-kit-slurm}
if command -v scontrol >/dev/null && pgrep -x slurmctld >/dev/null; then
  scontrol shutdown >/dev/null 2>&1 || true
fi
for _ in $(seq 1 20); do
  pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break
  sleep 0.5
done
for daemon in slurmctld slurmd; do
  pidfile="$dir/$daemon.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
done
pidfile=/run/munge/munged.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
echo "stop.sh: Slurm and munge stopped"
exit 0
