#!/usr/bin/env bash
# Times notebooks for notebooks/TEACHING.md: executes each with nbconvert (QUICK=1 when QUICK=1 is set,
# the full settings otherwise) and prints one line per notebook: wall seconds, CPU seconds (user + system
# of nbconvert, the kernel and what it ran) and the load average before and after. On a shared machine the
# CPU seconds are the better guide to a quiet laptop's wall time (the wasm backend uses one core).
#
# Needs what scripts/notebooks/ci.sh needs, and /usr/bin/time.
# Usage: [QUICK=1] bash scripts/notebooks/time_notebooks.sh notebooks/NN_name.ipynb ...
# Output: the executed notebooks and a log each in data/notebooks/timed/{quick,full}/ (NOTEBOOK_OUT overrides
# data/notebooks); the lines also go to data/notebooks/timed/timings.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${NOTEBOOK_OUT:-$ROOT/data/notebooks}
export PATH="$ROOT/node_modules/.bin:$PATH"
export SEE_BACKEND=${SEE_BACKEND:-wasm}
mode=$([ "${QUICK:-}" = 1 ] && echo quick || echo full)
[ "$mode" = quick ] || unset QUICK

[ "$#" -gt 0 ] || { echo "usage: [QUICK=1] bash scripts/notebooks/time_notebooks.sh notebooks/NN_name.ipynb ..."; exit 2; }
[ -x /usr/bin/time ] || { echo "time_notebooks.sh: /usr/bin/time not found (apt-get install time)"; exit 2; }
command -v jupyter >/dev/null && command -v tslab >/dev/null || { echo "time_notebooks.sh: jupyter or tslab not found (see scripts/notebooks/ci.sh)"; exit 2; }

dir="$OUT/timed/$mode"
mkdir -p "$dir"
node --import tsx scripts/notebooks/link_self.ts
tslab install --python="${JUPYTER_PYTHON:-/usr/bin/python3}" --binary="$ROOT/node_modules/.bin/tslab" --prefix="$OUT/timed/jupyter" >/dev/null
export JUPYTER_PATH="$OUT/timed/jupyter/share/jupyter"

status=0
for nb in "$@"; do
  [ -f "$nb" ] || { echo "FAIL $nb: no such notebook"; status=1; continue; }
  name=$(basename "$nb" .ipynb)
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  started=$(date -u +%Y-%m-%dT%H:%MZ)
  if /usr/bin/time -f '%e %U %S' -o "$dir/$name.time" jupyter nbconvert --to notebook --execute \
      --ExecutePreprocessor.timeout=-1 --output-dir "$dir" "$nb" >"$dir/$name.log" 2>&1; then
    read -r wall user sys <"$dir/$name.time"
    line=$(printf '%s %-28s %s wall %6.0f s, CPU %6.0f s (user %.0f + sys %.0f), load average %s -> %s, %s, %s' \
      "$mode" "$name" "$started" "$wall" "$(awk "BEGIN{print $user + $sys}")" "$user" "$sys" "$before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$SEE_BACKEND" "$(nproc) cores")
    echo "$line" | tee -a "$OUT/timed/timings.txt"
  else
    echo "FAIL $nb: nbconvert failed (log: $dir/$name.log)"; tail -5 "$dir/$name.log"; status=1
  fi
done
exit $status
