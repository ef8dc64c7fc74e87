/**
 * The kit's float32 matrix product on tfjs-backend-wasm's heap (or a helper thread's own memory,
 * KernelMemory), C = A B, with the SIMD kernels of heap_kernels.wat (pack_a or pack_a_t, pack_b,
 * gemm), used by the BatchMatMul, Conv2D and _FusedMatMul kernels and the fused Proxy-Anchor
 * (lib/losses/pa_blocks.ts). XNNPACK's product in tfjs-wasm 4.22 runs at 24-27 GFLOP/s on this machine;
 * this one at 38-47 with fused multiply-adds (relaxed SIMD, the default), 31-36 without
 * (SEE_WASM_FMA=0; then bit for bit XNNPACK's results on every shape of the bench), on the shapes of
 * ResNet-50's, ViT-S's and SEE's products (`npm run bench -- gemm`). Where the kernels carry the
 * native AVX2 / AVX-512 product (native_gemm.ts, the default where it is built), gemmOnHeap hands it the whole
 * product instead: the same operands on the same memory, at about twice the speed.
 *
 * Blocking as in GotoBLAS: B is packed once into panels of 8 columns ([k][8] floats each); then for
 * each block of KC values of k and MC rows, that block of A is packed (blocks of 4 rows, [KC][4]
 * floats) and multiplied with every panel. A's block (MC x KC floats, 256 KB) stays in L2 and a
 * panel's KC rows (16 KB) in L1 while the rows of A go past it. The first block of k writes C, the
 * next ones add to it: a whole 8-column panel carries on its sum from C (every value sums over k in
 * order), the last, partial panel adds each block's own sum to C.
 */
import type { HeapKernels } from './simd/load';
import type { KernelMemory } from './heap';

/** depth of a block of k: a panel's slice is KC x 8 floats (16 KB) */
const KC = 512;
/** rows of A in a block: MC x KC floats (256 KB) */
const MC = 128;

/** An operand on the heap: byte address, and the element (r, c) of the matrix at address + 4 (r rowStride + c colStride). */
export interface HeapMatrix {
  address: number;
  rowStride: number;
  colStride: number;
}

/**
 * C [m, n] (row-major at byte address c) = A [m, k] times B [k, n], or C += A B when `accumulate`.
 * A is row-major (colStride 1) or given transposed (rowStride 1, colStride its row length: read in
 * place by pack_a_t); B takes any strides (transposed B is colStride k, rowStride 1). The packed
 * operands live in scratch space of `memory` (on tfjs's heap: a buffer of the backend's, no tensor of
 * the engine's), freed before it returns.
 */
export function gemmOnHeap(
  memory: KernelMemory,
  kernels: HeapKernels,
  a: HeapMatrix,
  b: HeapMatrix,
  c: number,
  m: number,
  k: number,
  n: number,
  accumulate = false,
): void {
  const transposedA = a.colStride !== 1;
  if (transposedA && a.rowStride !== 1) {
    throw new Error(`gemmOnHeap: A must have row stride 1 or column stride 1, got ${a.rowStride} and ${a.colStride}`);
  }
  if (kernels.native) {
    kernels.native.gemm(memory.bytes(), a.address, a.rowStride, a.colStride, b.address, b.rowStride, b.colStride, c, m, k, n, accumulate);
    return;
  }
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (accumulate) return;
    new Float32Array(memory.bytes().buffer, c, m * n).fill(0);
    return;
  }
  const panels = Math.ceil(n / 8);
  const kc = Math.min(KC, k);
  const packedB = panels * 8 * k; // floats
  const packedA = Math.ceil(Math.min(MC, m) / 4) * 4 * kc; // floats
  const scratch = memory.scratch(packedB + packedA);
  try {
    const bp = scratch.address;
    const ap = bp + 4 * packedB;
    kernels.pack_b(b.address, b.rowStride, b.colStride, k, n, bp);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const depth = Math.min(KC, k - k0);
      for (let m0 = 0; m0 < m; m0 += MC) {
        const rows = Math.min(MC, m - m0);
        if (transposedA) kernels.pack_a_t(a.address + 4 * (m0 + k0 * a.colStride), a.colStride, rows, depth, ap);
        else kernels.pack_a(a.address + 4 * (m0 * a.rowStride + k0), a.rowStride, rows, depth, ap);
        kernels.gemm(ap, bp + 32 * k0, 8 * k, c + 4 * m0 * n, n, rows, depth, n, k0 === 0 && !accumulate ? 0 : 1);
      }
    }
  } finally {
    scratch.release();
  }
}
