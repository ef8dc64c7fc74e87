#!/usr/bin/env bash
# The GPU-machine check, run from the repository root on a machine with a GPU but without Node
# or network, with gpu_pack/ (scripts/gpu_machine/pack.sh) beside the sources:
#   bash scripts/gpu_machine/run.sh OUT_DIR [--expect nvidia]
# 1. unpacks Node and node_modules (node_modules/ only where none is installed), and Debian's
#    Vulkan loader where the system has none (into a private folder on LD_LIBRARY_PATH);
# 2. points Vulkan at NVIDIA's driver where no NVIDIA ICD is registered but the container has one
#    under /usr/local/nvidia (VK_DRIVER_FILES, __EGL_VENDOR_LIBRARY_FILENAMES);
# 3. prints the adapter Dawn picks (OUT_DIR/adapter.json); with --expect nvidia, a software or
#    non-NVIDIA adapter stops the check before anything is timed (Dawn silently falls back to
#    llvmpipe when it finds no driver);
# 4. runs the webgpu tests (the ResNet-50/ViT-S audit, kernels, SEE, AdamW, a training run):
#    OUT_DIR/audit.log, audit.tap, summary line in OUT_DIR/check.jsonl;
# 5. runs the GPU benchmark (test/bench/gpu.ts): OUT_DIR/gpu.jsonl, bench.log.
# Exit status: 0 when every step passed, 3 when the adapter was refused, 1 otherwise.
set -uo pipefail
out=${1:?usage: run.sh OUT_DIR [--expect nvidia]}
expect=any
if [[ "${2:-}" == --expect ]]; then expect=${3:?--expect needs a value (nvidia)}; fi
cd "$(dirname "$0")/../.."
root=$PWD
pack=$root/gpu_pack
mkdir -p "$out"
out=$(cd "$out" && pwd)
exec > >(tee -a "$out/run.log") 2>&1
started=$(date +%s)
say() { echo "== [$(( $(date +%s) - started )) s] $*"; }
record() { echo "$1" >> "$out/check.jsonl"; }

[[ -f "$pack/STAMP" ]] || { echo "run.sh: $pack/STAMP missing: run scripts/gpu_machine/pack.sh on the CPU machine and carry gpu_pack" >&2; exit 1; }
say "pack $(cat "$pack/STAMP"); machine $(uname -m), $(nproc) cores"
work=${TMPDIR:-/tmp}/see-gpu-check
mkdir -p "$work/bin"

say "unpacking Node"
xz -dc "$pack/node.xz" > "$work/bin/node" && chmod +x "$work/bin/node" || { echo "run.sh: cannot unpack node.xz" >&2; exit 1; }
export PATH="$work/bin:$PATH"
node=$work/bin/node
if [[ ! -d node_modules ]] || [[ -f node_modules/.gpu_pack_stamp && "$(cat node_modules/.gpu_pack_stamp)" != "$(cat "$pack/STAMP")" ]]; then
  say "unpacking node_modules"
  rm -rf node_modules
  tar -xJf "$pack/node_modules.tar.xz" -C "$root" || { echo "run.sh: cannot unpack node_modules.tar.xz" >&2; exit 1; }
  cp "$pack/STAMP" node_modules/.gpu_pack_stamp
else
  say "using the node_modules already here"
fi

vulkan_found() {
  local f
  for f in $(ldconfig -p 2>/dev/null | sed -n 's/.*libvulkan\.so\.1 .*=> //p') /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /usr/lib64/libvulkan.so.1; do
    [[ -s "$f" ]] && return 0
  done
  return 1
}
if vulkan_found; then
  say "Vulkan loader: the system's"
else
  say "Vulkan loader: unpacking $(basename "$pack"/libvulkan1_*.deb)"
  mkdir -p "$work/vulkan"
  if command -v dpkg >/dev/null; then
    dpkg -x "$pack"/libvulkan1_*.deb "$work/vulkan"
  else
    (cd "$work/vulkan" && ar x "$pack"/libvulkan1_*.deb && tar -xf data.tar.*)
  fi
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [[ -d "$d" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
icds=$(ls /usr/share/vulkan/icd.d/*nvidia*.json /etc/vulkan/icd.d/*nvidia*.json 2>/dev/null || true)
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z "$icds" && -z "${VK_DRIVER_FILES:-}" && -f "$nvidia_icd" ]]; then
  export VK_DRIVER_FILES=$nvidia_icd VK_ICD_FILENAMES=$nvidia_icd
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [[ -f "$egl" ]] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  say "Vulkan driver: $nvidia_icd (no NVIDIA ICD registered)"
else
  say "Vulkan drivers registered: ${icds:-none named nvidia} ${VK_DRIVER_FILES:+(VK_DRIVER_FILES=$VK_DRIVER_FILES)}"
fi
command -v nvidia-smi >/dev/null && nvidia-smi -L

say "adapter ($("$node" --version) at $("$node" -p process.execPath))"
if ! "$node" --import tsx scripts/gpu_machine/adapter.ts "$expect" > "$out/adapter.json"; then
  cat "$out/adapter.json"
  record "{\"check\":\"adapter\",\"ok\":false,\"expect\":\"$expect\",\"adapter\":$(cat "$out/adapter.json" 2>/dev/null || echo null)}"
  say "refused: nothing was timed"
  exit 3
fi
cat "$out/adapter.json"
record "{\"check\":\"adapter\",\"ok\":true,\"expect\":\"$expect\",\"adapter\":$(cat "$out/adapter.json")}"

status=0
say "webgpu tests: audit (ResNet-50, ViT-S/16), kernels, SEE, AdamW, training run"
tests=(test/backend/wasm_training_audit.test.ts $(ls test/webgpu/*.test.ts))
SEE_BACKEND=webgpu timeout 150 "$node" --import tsx --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$out/audit.tap" "${tests[@]}" > "$out/audit.log" 2>&1
rc=$?
tail -n 12 "$out/audit.log"
pass=$(grep -c '^ok ' "$out/audit.tap" || true)
fail=$(grep -c '^not ok ' "$out/audit.tap" || true)
record "{\"check\":\"webgpu_tests\",\"rc\":$rc,\"pass\":$pass,\"fail\":$fail,\"seconds\":$(( $(date +%s) - started ))}"
(( rc == 0 )) || status=1

say "GPU benchmark (test/bench/gpu.ts)"
before=0
[[ -f data/bench/gpu.jsonl ]] && before=$(wc -l < data/bench/gpu.jsonl)
SEE_BACKEND=webgpu timeout 360 "$node" --import tsx test/bench/run.ts gpu > "$out/bench.log" 2>&1
rc=$?
grep -v '^{' "$out/bench.log" | tail -n 20
tail -n +"$((before + 1))" data/bench/gpu.jsonl > "$out/gpu.jsonl" 2>/dev/null
cat "$out/gpu.jsonl"
record "{\"check\":\"gpu_bench\",\"rc\":$rc,\"lines\":$(wc -l < "$out/gpu.jsonl"),\"seconds\":$(( $(date +%s) - started ))}"
(( rc == 0 )) || status=1
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv
say "done (status $status)"
exit $status
