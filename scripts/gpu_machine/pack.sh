#!/usr/bin/env bash
# Packs what a GPU machine without Node and without network needs to run the webgpu audit and
# `npm run bench -- gpu` from this repository (scripts/gpu_machine/run.sh), into gpu_pack/
# (git-ignored; at most 56 MiB, so that the working tree it travels with stays under 64 MiB):
#   node.xz                the Node binary running this script (x86-64 Linux, Node 20), xz -9
#   node_modules.tar.xz    node_modules pruned to the files the audit and the benchmark load
#                          (traced by trace_modules.ts), plus tsx, esbuild's binary, Dawn's
#                          linux-x64 dawn.node and tfjs-backend-wasm's .wasm files
#   libvulkan1_*.deb       Debian's Vulkan loader (apt-get download), for a machine without one
#   MANIFEST.txt           versions, commit, sizes, date
# Run from anywhere on this machine after `npm install`: bash scripts/gpu_machine/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
pack=$root/gpu_pack
limit=$((56 * 1024 * 1024))
node_bin=$(command -v node)

[[ "$(uname -m)" == x86_64 ]] || { echo "pack.sh: this machine is $(uname -m); the GPU machine needs x86-64" >&2; exit 1; }
major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[[ "$major" == 20 ]] || { echo "pack.sh: $node_bin is Node $("$node_bin" --version); the pack carries Node 20" >&2; exit 1; }
[[ -f node_modules/webgpu/dist/linux-x64/dawn.node ]] || { echo "pack.sh: node_modules lacks webgpu's linux-x64 dawn.node: run npm install first" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$pack"
mkdir -p "$pack" "$stage/node_modules"

echo "== tracing the modules the audit and the GPU benchmark load"
"$node_bin" --import tsx scripts/gpu_machine/trace_modules.ts "$stage/trace.txt"
{
  sed "s|^$root/||" "$stage/trace.txt"
  # loaded outside require.cache: tsx's ESM loader, esbuild's binary, wasm binaries read with fs
  find node_modules/tsx -type f -not -name '*.map' -not -name '*.d.ts' -not -name '*.d.mts' -not -name '*.d.cts'
  echo node_modules/@esbuild/linux-x64/bin/esbuild
  ls node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm
} | sort -u > "$stage/files.txt"
# every package's package.json (module resolution reads "main" and "exports")
sed -n 's|^\(node_modules/\(@[^/]*/\)\{0,1\}[^/@][^/]*\)/.*|\1/package.json|p' "$stage/files.txt" | sort -u >> "$stage/files.txt"
echo node_modules/@esbuild/linux-x64/package.json >> "$stage/files.txt"
sort -u -o "$stage/files.txt" "$stage/files.txt"
grep -q 'webgpu/dist/linux-x64/dawn.node' "$stage/files.txt" || { echo "pack.sh: the trace did not load dawn.node (no Vulkan adapter here?)" >&2; exit 1; }
tar -cf - -T "$stage/files.txt" | tar -xf - -C "$stage"
echo "   $(wc -l < "$stage/files.txt") files, $(du -sh "$stage/node_modules" | cut -f1) unpacked"

echo "== compressing node_modules and $node_bin ($("$node_bin" --version))"
tar -C "$stage" -cf - node_modules | xz -9 -T2 > "$pack/node_modules.tar.xz"
xz -9 -T2 -c "$node_bin" > "$pack/node.xz"

echo "== Debian's libvulkan1"
(cd "$pack" && apt-get download -o APT::Sandbox::User=root libvulkan1 >/dev/null)
ls "$pack"/libvulkan1_*.deb >/dev/null

stamp="$(git rev-parse --short HEAD) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
{
  echo "stamp: $stamp"
  echo "node: $("$node_bin" --version) ($node_bin, linux x86-64)"
  echo "webgpu: $("$node_bin" -p 'require("./node_modules/webgpu/package.json").version')"
  echo "tfjs-backend-webgpu: $("$node_bin" -p 'require("./node_modules/@tensorflow/tfjs-backend-webgpu/package.json").version')"
  echo "libvulkan1: $(basename "$pack"/libvulkan1_*.deb)"
  echo "files in node_modules.tar.xz: $(grep -c '^node_modules/' "$stage/files.txt")"
} > "$pack/MANIFEST.txt"
echo "$stamp" > "$pack/STAMP"
total=$(du -cb "$pack"/* | tail -1 | cut -f1)
(cd "$pack" && ls -l | tail -n +2 | awk '{ printf "   %-40s %6.1f MiB\n", $9, $5 / 1048576 }')
echo "   total $(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1048576 }') MiB (limit 56 MiB)"
if (( total > limit )); then
  echo "pack.sh: gpu_pack/ is $total bytes, over the 56 MiB limit" >&2
  exit 1
fi
echo "   size: $total bytes" >> "$pack/MANIFEST.txt"
