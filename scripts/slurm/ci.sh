#!/usr/bin/env bash
# The Slurm part of CI (.ci/run calls it; as root): installs and configures a single-node Slurm
# (setup.sh), starts slurmctld + slurmd + munge (start.sh), submits a sweep of 4 tiny glyph runs as
# one job array through `see-kit sweep --slurm` (--gres=gpu:1 on the node's placeholder GPUs, wasm),
# tells one running task that its time is up (SIGUSR1, as --signal=B:USR1@<s> does before the time
# limit) so that it checkpoints and requeues itself, requeues another with `scontrol requeue` (as a
# preemption does), waits for every run (`see-kit sweep --status`),
# gathers the results (`--gather`) and checks that every run ran under Slurm as its array task
# (check_sweep.ts). Slurm is stopped at the end, also on failure. About 1-2 minutes plus apt.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
stamp() { echo "-- slurm [$(( $(date +%s) - start )) s] $*"; }
work=$(mktemp -d /tmp/see-slurm-ci.XXXXXX)
runs="$work/runs"
folder="$runs/slurm-ci"
finish() {
  code=$?
  if [ $code -ne 0 ]; then
    echo "-- slurm: FAILED (exit $code); squeue, the tasks' output and the daemons' logs:"
    squeue 2>/dev/null || true
    tail -n 20 "$folder"/slurm/*.out 2>/dev/null || true
    tail -n 20 /var/lib/see-kit-slurm/log/slurmctld.log /var/lib/see-kit-slurm/log/slurmd.log 2>/dev/null || true
  fi
  bash scripts/slurm/stop.sh
  rm -rf "$work"
  exit $code
}
trap finish EXIT

stamp "install and configure (scripts/slurm/setup.sh)"
bash scripts/slurm/stop.sh >/dev/null
bash scripts/slurm/setup.sh
bash scripts/slurm/start.sh
node --import tsx scripts/slurm/tiny_sweep.ts "$work"

stamp "see-kit sweep --slurm"
out=$(./bin/see-kit sweep "$work/sweep.json" --slurm --backend wasm --time 0:15:00 --mem 2G --cpus-per-task 1 --runs-root "$runs")
echo "$out"
job=$(sed -n 's/^submitted Slurm job \([0-9]*\):.*/\1/p' <<<"$out")
[ -n "$job" ] || { echo "no job id in the output of see-kit sweep --slurm"; exit 1; }

wait_for() { # <seconds> <what> <command...>
  local limit=$1 what=$2; shift 2
  for _ in $(seq 1 $(( limit * 4 ))); do "$@" && return 0; sleep 0.25; done
  echo "timed out after $limit s waiting for $what"; return 1
}
stepped() { grep -qs '"kind":"step"' "$folder/$1/log.jsonl"; }
holder() { sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$folder/$1/run.lock"; }
release() { # Slurm holds a requeued job for 2 minutes before it may start again: let it start now
  wait_for 60 "task $1 back in the queue" sh -c "squeue -h -r -j $job -o '%i %T' | grep -q '^${job}_$1 PENDING'"
  scontrol update jobid="${job}_$1" starttime=now
}

stamp "task 0 is told its time is up (SIGUSR1, what --signal=B:USR1@<s> sends the job script's process): it checkpoints and requeues itself"
wait_for 120 "a step of run 0" stepped PA-seed0
kill -USR1 "$(holder PA-seed0)"
wait_for 60 "run 0's stop" grep -qs '"signal":"SIGUSR1"' "$folder/PA-seed0/log.jsonl"
release 0

stamp "task 1 is requeued by Slurm (scontrol requeue, as a preemption with requeue does): SIGTERM, a checkpoint, back in the queue"
wait_for 120 "a step of run 1" stepped SEE-seed0
scontrol requeue "${job}_1"
wait_for 60 "run 1's stop" grep -qs '"signal":"SIGTERM"' "$folder/SEE-seed0/log.jsonl"
release 1

stamp "waiting for every run (see-kit sweep --status)"
all_done() { ./bin/see-kit sweep --status "$work/sweep.json" --runs-root "$runs" | head -1 | grep -q ': 4 runs; 4 finished$'; }
wait_for 240 "4 finished runs" all_done
./bin/see-kit sweep --status "$work/sweep.json" --runs-root "$runs"

stamp "gather and check"
./bin/see-kit sweep "$work/sweep.json" --gather --runs-root "$runs"
node --import tsx scripts/slurm/check_sweep.ts "$folder" "$job" 0:SIGUSR1 1:SIGTERM
stamp "PASS"
