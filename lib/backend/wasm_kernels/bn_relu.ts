/**
 * Frozen BatchNorm (+ residual) + ReLU (lib/backbones/batch_norm.ts) as one pass each way over the
 * activations on the wasm heap (`bn_relu_forward` and `bn_relu_backward` in simd/heap_kernels.wat):
 * - forward: y = relu(x * scale + shift (+ residual)), in the composite's order (three or four
 *   element-wise kernels before);
 * - backward: g = dy where y > 0, dx = g * scale, d scale = sum g x, d shift = sum g (over every axis
 *   but the channels, accumulated in float64 like the Sum kernel), and g itself for the residual
 *   (six element-wise kernels and reductions before).
 * Equal to the composite up to float rounding (test/backbones/fused_ops.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapTensor, type WasmBackend } from './heap';
import { heapKernels } from './simd';

/** relu(x * scale + shift (+ residual)) for x [..., C]; undefined off wasm (use the composite). */
export function bnReluForwardOnHeap(
  x: tf.Tensor,
  scale: tf.Tensor,
  shift: tf.Tensor,
  residual: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor | undefined {
  const kernels = heapKernels();
  const inputs = residual ? [x, scale, shift, residual] : [x, scale, shift];
  if (!kernels || inputs.some((t) => t.dtype !== 'float32')) return undefined;
  const c = scale.size;
  if (shift.size !== c || x.shape[x.rank - 1] !== c || (residual && residual.size !== x.size))
    throw new Error(
      `BatchNorm forward on the wasm heap: x [${x.shape}], scale [${scale.shape}], shift [${shift.shape}] and residual [${residual?.shape}] do not match`,
    );
  const backend = tf.backend() as unknown as WasmBackend;
  const out = heapTensor(backend, x.shape);
  kernels.bn_relu_forward(
    addressOf(backend, x),
    addressOf(backend, scale),
    addressOf(backend, shift),
    residual ? addressOf(backend, residual) : 0,
    relu ? 1 : 0,
    x.size / c,
    c,
    addressOf(backend, out),
  );
  return out;
}

/** [dx, d scale, d shift] and, with `residualGradient`, g; undefined off wasm (use the composite). */
export function bnReluBackwardOnHeap(
  dy: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor | undefined,
  scale: tf.Tensor,
  residualGradient: boolean,
): tf.Tensor[] | undefined {
  const kernels = heapKernels();
  const inputs = y ? [dy, x, y, scale] : [dy, x, scale];
  if (!kernels || inputs.some((t) => t.dtype !== 'float32')) return undefined;
  const c = scale.size;
  const rows = x.size / c;
  if (dy.size !== x.size || (y && y.size !== x.size) || x.shape[x.rank - 1] !== c)
    throw new Error(
      `BatchNorm backward on the wasm heap: dy [${dy.shape}], x [${x.shape}], y [${y?.shape}] and scale [${scale.shape}] do not match`,
    );
  const backend = tf.backend() as unknown as WasmBackend;
  const dx = heapTensor(backend, x.shape);
  const g = residualGradient ? heapTensor(backend, x.shape) : undefined;
  const acc = heapTensor(backend, [4 * c]); // float64 [2c]: sum g x, then sum g
  const accAt = addressOf(backend, acc);
  if (accAt % 8 !== 0) throw new Error(`BatchNorm backward on the wasm heap: accumulator at ${accAt} is not 8-byte aligned`);
  new Float64Array(backend.wasm.HEAPU8.buffer, accAt, 2 * c).fill(0);
  kernels.bn_relu_backward(
    addressOf(backend, dy),
    addressOf(backend, x),
    y ? addressOf(backend, y) : 0,
    addressOf(backend, scale),
    rows,
    c,
    addressOf(backend, dx),
    g ? addressOf(backend, g) : 0,
    accAt,
  );
  // both sums copied off the heap before the next allocation, which may grow it (detaching views)
  const sums = new Float64Array(backend.wasm.HEAPU8.buffer, accAt, 2 * c);
  const [sumGx, sumG] = [Float32Array.from(sums.subarray(0, c)), Float32Array.from(sums.subarray(c))];
  acc.dispose();
  const dScale = tf.tensor1d(sumGx);
  const dShift = tf.tensor1d(sumG);
  return g ? [dx, dScale, dShift, g] : [dx, dScale, dShift];
}
