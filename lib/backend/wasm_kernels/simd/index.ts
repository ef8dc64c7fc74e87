/**
 * The kit's WebAssembly SIMD kernels on tfjs-backend-wasm's heap (heap_kernels.wat): instantiated
 * once per backend with the backend's own memory imported, so they work on tensors in place by
 * address. undefined where that is impossible (another backend, or a WebAssembly without SIMD):
 * callers then use tfjs's own kernels. Loading them on a memory, and the two builds of the matrix
 * product's inner step: load.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { loadHeapKernels, wantsFma, type GemmVariant, type HeapKernels } from './load';
import { nativeGemmFromEnv } from '../native_gemm';

export { loadHeapKernels, wantsFma, type GemmVariant, type HeapKernels } from './load';

let cached: { memory: WebAssembly.Memory; kernels: HeapKernels; gemm: GemmVariant } | undefined;

/**
 * The kernels bound to the active wasm backend's memory, or undefined. They load once per memory
 * (SEE_WASM_FMA and SEE_NATIVE_GEMM are read then): every kernel call asks for them, so nothing else
 * happens here.
 */
export function heapKernels(): HeapKernels | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const memory = (tf.backend() as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  if (cached?.memory === memory) return cached.kernels;
  const native = nativeGemmFromEnv(); // throws where SEE_NATIVE_GEMM=1 cannot be met: not a reason to fall back
  try {
    cached = { memory, ...loadHeapKernels(memory, wantsFma(), native) };
    return cached.kernels;
  } catch {
    return undefined;
  }
}

/** How the active wasm backend's matrix product sums (bench records), or undefined off wasm. */
export function gemmVariant(): GemmVariant | undefined {
  return heapKernels() ? cached?.gemm : undefined;
}
