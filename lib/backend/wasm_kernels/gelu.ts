/**
 * Exact GELU and its gradient (lib/backbones/mlp.ts) as one pass each on the wasm heap (`gelu` in
 * simd/heap_kernels.wat) instead of five and nine element-wise kernels over the MLP's widest
 * activation ([B, N, 4D]). The same operations in the same order with the same float32 constants
 * and the SIMD Erf and Exp of the wasm kernels, so on wasm the result is the composite's.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapTensor, type WasmBackend } from './heap';
import { heapKernels } from './simd';

/** GELU(x), or with `dy` its gradient dy * GELU'(x); undefined off wasm (use the composite). */
export function geluOnHeap(x: tf.Tensor, dy?: tf.Tensor): tf.Tensor | undefined {
  const kernels = heapKernels();
  if (!kernels || x.dtype !== 'float32' || (dy && (dy.dtype !== 'float32' || dy.size !== x.size))) return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  const out = heapTensor(backend, x.shape);
  kernels.gelu(addressOf(backend, x), dy ? addressOf(backend, dy) : 0, addressOf(backend, out), x.size);
  return out;
}
