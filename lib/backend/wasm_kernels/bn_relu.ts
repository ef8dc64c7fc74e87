/**
 * Frozen BatchNorm (+ residual) + ReLU (lib/backbones/batch_norm.ts) as one pass each way over the
 * activations on the wasm heap (`bn_relu_forward` and `bn_relu_backward` in simd/heap_kernels.wat):
 * - forward: y = relu(x * scale + shift (+ residual)), in the composite's order (three or four
 *   element-wise kernels before);
 * - backward: g = dy where y > 0, dx = g * scale, d scale = sum g x, d shift = sum g (over every axis
 *   but the channels, accumulated in float64 like the Sum kernel), and g itself for the residual
 *   (six element-wise kernels and reductions before).
 * The per-channel factors (scale, shift) come from the host and the sums go back to it: the caller
 * computes the [C]-sized arithmetic around them in JavaScript, where a tfjs kernel per [C] vector
 * cost more than the pass itself (batch_norm.ts). Equal to the composite up to float rounding
 * (test/backbones/fused_ops.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, heapTensor, type WasmBackend } from './heap';
import { heapKernels } from './simd';

/** Whether the passes below run for these tensors: the wasm heap kernels are loaded and every one is float32. */
export function bnReluOnHeap(tensors: Array<tf.Tensor | undefined>): boolean {
  return heapKernels() !== undefined && tensors.every((t) => t === undefined || t.dtype === 'float32');
}

/** `parts` copied one after the other into scratch space on the heap; its address and how to free it. */
function onHeap(backend: WasmBackend, ...parts: Float32Array[]): { address: number; release(): void } {
  const scratch = heapMemory(backend).scratch(parts.reduce((n, p) => n + p.length, 0));
  let at = scratch.address;
  for (const p of parts) {
    new Float32Array(backend.wasm.HEAPU8.buffer, at, p.length).set(p);
    at += 4 * p.length;
  }
  return scratch;
}

function kernelsOrThrow(where: string): NonNullable<ReturnType<typeof heapKernels>> {
  const kernels = heapKernels();
  if (!kernels) throw new Error(`${where}: the wasm heap kernels are not loaded (check bnReluOnHeap first)`);
  return kernels;
}

/** relu(x * scale + shift (+ residual)) for x [..., C], scale and shift [C] host values; wasm only (bnReluOnHeap). */
export function bnReluForwardOnHeap(
  x: tf.Tensor,
  scale: Float32Array,
  shift: Float32Array,
  residual: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor {
  const kernels = kernelsOrThrow('BatchNorm forward on the wasm heap');
  const c = scale.length;
  if (shift.length !== c || x.shape[x.rank - 1] !== c || (residual && residual.size !== x.size))
    throw new Error(
      `BatchNorm forward on the wasm heap: x [${x.shape}], scale [${c}], shift [${shift.length}] and residual [${residual?.shape}] do not match`,
    );
  const backend = tf.backend() as unknown as WasmBackend;
  const out = heapTensor(backend, x.shape);
  const factors = onHeap(backend, scale, shift); // [2C]: scale, then shift
  try {
    kernels.bn_relu_forward(
      addressOf(backend, x),
      factors.address,
      factors.address + 4 * c,
      residual ? addressOf(backend, residual) : 0,
      relu ? 1 : 0,
      x.size / c,
      c,
      addressOf(backend, out),
    );
  } finally {
    factors.release();
  }
  return out;
}

/** What the backward pass gives: dx and, when asked, g on the heap; the two per-channel sums on the host. */
export interface BnReluGradients {
  dx: tf.Tensor; // [..., C]
  g?: tf.Tensor; // [..., C]: dL/d residual
  sumGx: Float32Array; // [C] d scale
  sumG: Float32Array; // [C] d shift
}

/** The backward pass for dy, x, y (the ReLU's output, or undefined without ReLU) [..., C] and scale [C] on the host; wasm only. */
export function bnReluBackwardOnHeap(
  dy: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor | undefined,
  scale: Float32Array,
  residualGradient: boolean,
): BnReluGradients {
  const kernels = kernelsOrThrow('BatchNorm backward on the wasm heap');
  const c = scale.length;
  const rows = x.size / c;
  if (dy.size !== x.size || (y && y.size !== x.size) || x.shape[x.rank - 1] !== c)
    throw new Error(`BatchNorm backward on the wasm heap: dy [${dy.shape}], x [${x.shape}], y [${y?.shape}] and scale [${c}] do not match`);
  const backend = tf.backend() as unknown as WasmBackend;
  const dx = heapTensor(backend, x.shape);
  const g = residualGradient ? heapTensor(backend, x.shape) : undefined;
  const scaleOnHeap = onHeap(backend, scale);
  const acc = heapMemory(backend).scratch(4 * c); // float64 [2c]: sum g x, then sum g
  try {
    if (acc.address % 8 !== 0) throw new Error(`BatchNorm backward on the wasm heap: accumulator at ${acc.address} is not 8-byte aligned`);
    new Float64Array(backend.wasm.HEAPU8.buffer, acc.address, 2 * c).fill(0);
    kernels.bn_relu_backward(
      addressOf(backend, dy),
      addressOf(backend, x),
      y ? addressOf(backend, y) : 0,
      scaleOnHeap.address,
      rows,
      c,
      addressOf(backend, dx),
      g ? addressOf(backend, g) : 0,
      acc.address,
    );
    // both sums copied off the heap before the next allocation, which may grow it (detaching views)
    const sums = new Float64Array(backend.wasm.HEAPU8.buffer, acc.address, 2 * c);
    return { dx, g, sumGx: Float32Array.from(sums.subarray(0, c)), sumG: Float32Array.from(sums.subarray(c)) };
  } finally {
    acc.release();
    scaleOnHeap.release();
  }
}
