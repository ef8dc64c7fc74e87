#!/usr/bin/env bash
# The notebooks' exercises, both ways (run after scripts/notebooks/ci.sh, whose executed notebooks it reads):
#  1. as committed: every check cell of data/notebooks/executed/ printed NOT SOLVED YET (and ci.sh checked
#     that every cell ran, so no stub stopped its notebook);
#  2. with the solutions: notebooks/solutions/<name>.ts spliced into every notebook that has exercises,
#     executed again with QUICK=1, every code cell ran, every check printed PASS.
# Any notebook with exercise cells and a solutions file takes part; nothing here lists them.
#
# Needs what ci.sh needs. Usage: bash scripts/notebooks/ci_exercises.sh [notebooks/NN_name.ipynb ...]
# Output: data/notebooks/solved/{source,executed}/ (NOTEBOOK_OUT overrides data/notebooks)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# shellcheck source=scripts/notebooks/execute.sh
source "$ROOT/scripts/notebooks/execute.sh"
OUT=${NOTEBOOK_OUT:-$ROOT/data/notebooks}
export PATH="$ROOT/node_modules/.bin:$PATH"
export QUICK=1
export SEE_BACKEND=${SEE_BACKEND:-wasm}
start=$(date +%s)

command -v jupyter >/dev/null && command -v tslab >/dev/null || { echo "ci_exercises.sh: jupyter or tslab not found (see scripts/notebooks/ci.sh)"; exit 2; }
if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/[0-9][0-9]_*.ipynb); fi

status=0
echo "== exercises as committed: every check printed NOT SOLVED YET"
committed=()
for nb in "${notebooks[@]}"; do
  f="$OUT/executed/$(basename "$nb")"
  if [ -f "$f" ]; then committed+=("$f"); else echo "FAIL $nb: no executed notebook $f (run scripts/notebooks/ci.sh first)"; status=1; fi
done
[ "${#committed[@]}" -gt 0 ] && { node --import tsx scripts/notebooks/exercises_cli.ts outcomes unsolved "${committed[@]}" || status=1; }

echo "== exercises with the solutions spliced in"
rm -rf "$OUT/solved"
mkdir -p "$OUT/solved/source" "$OUT/solved/executed"
node --import tsx scripts/notebooks/exercises_cli.ts splice "$OUT/solved/source" "${notebooks[@]}" || status=1
tslab install --python="${JUPYTER_PYTHON:-/usr/bin/python3}" --binary="$ROOT/node_modules/.bin/tslab" --prefix="$OUT/jupyter" >/dev/null
export JUPYTER_PATH="$OUT/jupyter/share/jupyter"

solved=()
for nb in "$OUT"/solved/source/*.ipynb; do
  [ -f "$nb" ] || continue
  t0=$(date +%s)
  log="$OUT/solved/executed/$(basename "$nb" .ipynb).log"
  if ! execute_notebook "$nb" "$OUT/solved/executed" "$log"; then
    echo "FAIL $nb: nbconvert failed (log: $log)"; tail -5 "$log"; status=1
  fi
  echo "     $(basename "$nb") with solutions executed in $(( $(date +%s) - t0 )) s"
  [ -f "$OUT/solved/executed/$(basename "$nb")" ] && solved+=("$OUT/solved/executed/$(basename "$nb")")
done
if [ "${#solved[@]}" -eq 0 ]; then
  echo "FAIL no notebook with exercises was executed with its solutions"; status=1
else
  node --import tsx scripts/notebooks/check_notebooks.ts executed "${solved[@]}" || status=1
  node --import tsx scripts/notebooks/exercises_cli.ts outcomes solved "${solved[@]}" || status=1
fi

echo "== exercises finished in $(( $(date +%s) - start )) s: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
