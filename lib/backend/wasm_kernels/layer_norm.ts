/**
 * LayerNorm's forward pass (lib/backbones/layer_norm.ts) as one pass per row on the wasm heap
 * (`layer_norm` in simd/heap_kernels.wat) instead of the composite's nine element-wise kernels and
 * reductions (moments, rsqrt, the affine). It also writes the per-row mean and 1/std the gradient keeps.
 * Its gradient likewise (`layer_norm_backward`): two passes per row for dx, with dweight and dbias
 * summed on the way, instead of about fifteen kernels over [..., D].
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

export interface LayerNormGradients {
  /** x's shape */
  dx: tf.Tensor;
  /** [D], where a weight was given */
  dweight?: tf.Tensor;
  dbias?: tf.Tensor;
}

/**
 * LayerNorm's gradient from the forward's x, per-row mean and 1/std ([..., 1]) and dy; dweight and
 * dbias where `weight` is given; undefined off wasm (use the composite).
 */
export function layerNormGradOnHeap(
  x: tf.Tensor,
  weight: tf.Tensor | undefined,
  dy: tf.Tensor,
  mean: tf.Tensor,
  rstd: tf.Tensor,
): LayerNormGradients | undefined {
  const kernels = heapKernels();
  const d = x.shape[x.rank - 1] ?? 0;
  const rows = d === 0 ? 0 : x.size / d;
  const float = [x, dy, mean, rstd, ...(weight ? [weight] : [])].every((t) => t.dtype === 'float32');
  if (!kernels || x.rank < 1 || d === 0 || !float || dy.size !== x.size || mean.size !== rows || rstd.size !== rows) return undefined;
  if (weight && weight.size !== d) return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  const dx = heapTensor(backend, x.shape); // [..., D]
  const dweight = weight ? heapTensor(backend, [d]) : undefined; // [D]
  const dbias = weight ? heapTensor(backend, [d]) : undefined; // [D]
  kernels.layer_norm_backward(
    addressOf(backend, x),
    weight ? addressOf(backend, weight) : 0,
    addressOf(backend, dy),
    addressOf(backend, mean),
    addressOf(backend, rstd),
    addressOf(backend, dx),
    dweight ? addressOf(backend, dweight) : 0,
    dbias ? addressOf(backend, dbias) : 0,
    rows,
    d,
  );
  return { dx, dweight, dbias };
}
