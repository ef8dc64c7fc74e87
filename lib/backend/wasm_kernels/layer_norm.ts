/**
 * LayerNorm's forward pass (lib/backbones/layer_norm.ts) as one pass per row on the wasm heap
 * (`layer_norm` in simd/heap_kernels.wat) instead of the composite's nine element-wise kernels and
 * reductions (moments, rsqrt, the affine). It also writes the per-row mean and 1/std the gradient keeps.
 * The same formulas as the composite; the sums run in another order, so the results agree to float
 * rounding (test/backbones/fused_ops.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapTensor, type WasmBackend } from './heap';
import { heapKernels } from './simd';

export interface LayerNormForward {
  /** the normalised (and, with weight and bias, scaled and shifted) x, x's shape */
  value: tf.Tensor;
  /** per-row mean and 1 / sqrt(var + eps), [..., 1] */
  mean: tf.Tensor;
  rstd: tf.Tensor;
}

/** LayerNorm over x's last axis with optional weight and bias [D]; undefined off wasm (use the composite). */
export function layerNormOnHeap(
  x: tf.Tensor,
  weight: tf.Tensor | undefined,
  bias: tf.Tensor | undefined,
  eps: number,
): LayerNormForward | undefined {
  const kernels = heapKernels();
  const d = x.shape[x.rank - 1] ?? 0;
  if (!kernels || x.rank < 1 || d === 0 || x.dtype !== 'float32') return undefined;
  if (Boolean(weight) !== Boolean(bias)) return undefined;
  if (weight && bias && (weight.dtype !== 'float32' || bias.dtype !== 'float32' || weight.size !== d || bias.size !== d)) return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  const statShape = [...x.shape.slice(0, -1), 1];
  const value = heapTensor(backend, x.shape); // [..., D]
  const mean = heapTensor(backend, statShape); // [..., 1]
  const rstd = heapTensor(backend, statShape); // [..., 1]
  kernels.layer_norm(
    addressOf(backend, x),
    weight ? addressOf(backend, weight) : 0,
    bias ? addressOf(backend, bias) : 0,
    addressOf(backend, value),
    addressOf(backend, mean),
    addressOf(backend, rstd),
    x.size / d,
    d,
    eps,
  );
  return { value, mean, rstd };
}
