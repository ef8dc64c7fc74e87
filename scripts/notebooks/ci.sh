#!/usr/bin/env bash
# Executes every notebook in QUICK mode with the tslab kernel from node_modules, checks that every
# code cell ran without error, renders the executed notebooks to HTML, opens them in headless
# chromium, checks that every plot rendered with data and saves a screenshot of each.
#
# Needs (Debian): jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel chromium
# Usage: bash scripts/notebooks/ci.sh [notebooks/NN_name.ipynb ...]   (default: all)
# Output: data/notebooks/{executed,html,screenshots}/ (NOTEBOOK_OUT overrides the folder)
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

for tool in jupyter tslab; do
  command -v "$tool" >/dev/null || { echo "ci.sh: '$tool' not found (apt-get install jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel chromium; npm ci)"; exit 2; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "ci.sh: ${CHROMIUM:-/usr/bin/chromium} not found (apt-get install chromium)"; exit 2; }

if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/[0-9][0-9]_*.ipynb); fi
[ -e "${notebooks[0]}" ] || { echo "ci.sh: no notebooks found"; exit 2; }

rm -rf "$OUT/executed" "$OUT/html" "$OUT/screenshots" "$OUT/jupyter"
mkdir -p "$OUT/executed" "$OUT/html" "$OUT/screenshots"

# the project itself as node_modules/see-kit (npm ci's postinstall does this too)
node --import tsx scripts/notebooks/link_self.ts
# the tslab kernel from node_modules, registered in a private prefix (nothing system-wide)
tslab install --python="${JUPYTER_PYTHON:-/usr/bin/python3}" --binary="$ROOT/node_modules/.bin/tslab" --prefix="$OUT/jupyter" >/dev/null
export JUPYTER_PATH="$OUT/jupyter/share/jupyter"
[ -f "$JUPYTER_PATH/kernels/tslab/kernel.json" ] || { echo "ci.sh: tslab kernel not registered under $JUPYTER_PATH"; exit 2; }

status=0
echo "== committed notebooks: no outputs, tslab kernel, QUICK switch"
node --import tsx scripts/notebooks/check_notebooks.ts source "${notebooks[@]}" || status=1

echo "== executing ${#notebooks[@]} notebook(s) with QUICK=1 SEE_BACKEND=$SEE_BACKEND"
for nb in "${notebooks[@]}"; do
  t0=$(date +%s)
  # --allow-errors: always write the executed notebook, so the check below can say which cell failed
  if ! execute_notebook "$nb" "$OUT/executed" "$OUT/executed/$(basename "$nb" .ipynb).log"; then
    echo "FAIL $nb: nbconvert failed (log: $OUT/executed/$(basename "$nb" .ipynb).log)"
    tail -5 "$OUT/executed/$(basename "$nb" .ipynb).log"
    status=1
  fi
  echo "     $nb executed in $(( $(date +%s) - t0 )) s"
done

echo "== every code cell ran, no error output"
executed=()
for nb in "${notebooks[@]}"; do
  f="$OUT/executed/$(basename "$nb")"
  if [ -f "$f" ]; then executed+=("$f"); else echo "FAIL $nb: no executed notebook written"; status=1; fi
done
[ "${#executed[@]}" -gt 0 ] && { node --import tsx scripts/notebooks/check_notebooks.ts executed "${executed[@]}" || status=1; }

echo "== HTML in headless chromium: plots rendered with data, screenshots"
pages=()
for f in "${executed[@]}"; do
  if jupyter nbconvert --to html --output-dir "$OUT/html" "$f" >/dev/null 2>&1; then
    pages+=("$OUT/html/$(basename "$f" .ipynb).html")
  else
    echo "FAIL $f: nbconvert --to html failed"; status=1
  fi
done
[ "${#pages[@]}" -gt 0 ] && { node --import tsx scripts/notebooks/render_check.ts "$OUT/screenshots" "${pages[@]}" || status=1; }

echo "== notebooks finished in $(( $(date +%s) - start )) s: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
