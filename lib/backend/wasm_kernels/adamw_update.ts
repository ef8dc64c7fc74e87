/**
 * AdamW's update of one variable as one pass over the wasm heap (`adamw` in simd/heap_kernels.wat)
 * instead of the fourteen element-wise kernels of lib/train/adamw.ts's composite, each a pass over
 * the whole weight (for ResNet-50, 25 M values). Same operations in the same order with the same
 * float32 constants, so the result equals the composite's bit for bit (test/train/adamw.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapTensor, holdsMemoryAlone, type WasmBackend } from './heap';
import { heapKernels, type HeapKernels } from './simd';

/** The step's scalars: decay = 1 - lr wd, stepSize = lr / (1 - b1^t), sqrtBiasCorrection2 = sqrt(1 - b2^t). */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  eps: number;
  decay: number;
  stepSize: number;
  sqrtBiasCorrection2: number;
}

/** New [p, m, v] from weight p, moments m and v and gradient g (all float32, one shape). */
export type AdamWUpdate = (p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWScalars) => [tf.Tensor, tf.Tensor, tf.Tensor];

/**
 * Writes p, m and v in place: true when done. Only where nothing else shares their memory (the
 * backend's reference count of each is 1: no clone or reshape of the weight is alive), else false
 * and nothing is written (the caller then makes new tensors, AdamWUpdate). In place, the pass writes
 * over the lines it has just read instead of into other memory, which the cache would first read in:
 * ResNet-50's 24.6 M weights took 18.6 ms a step against 32.1 (medians of 8 alternating steps, the
 * fallback forced by holding a clone of every weight; a scratch script, 2026-12-03).
 */
export type AdamWInPlace = (p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWScalars) => boolean;

/** The one-pass update on the active wasm backend, or undefined (another backend: use the composite). */
export function heapAdamW(): AdamWUpdate | undefined {
  const kernels = heapKernels();
  if (!kernels) return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  return (p, m, v, g, s) => {
    const out: [tf.Tensor, tf.Tensor, tf.Tensor] = [
      heapTensor(backend, p.shape),
      heapTensor(backend, p.shape),
      heapTensor(backend, p.shape),
    ];
    runAdamW(kernels, backend, [p, m, v, g], out, s);
    return out;
  };
}

/** The same pass writing over p, m and v (AdamWInPlace), or undefined off wasm. */
export function heapAdamWInPlace(): AdamWInPlace | undefined {
  const kernels = heapKernels();
  if (!kernels) return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  return (p, m, v, g, s) => {
    if (![p, m, v].every((t) => holdsMemoryAlone(backend, t))) return false;
    runAdamW(kernels, backend, [p, m, v, g], [p, m, v], s);
    return true;
  };
}

/** adamw (simd/heap_kernels.wat) from [p, m, v, g] into [p', m', v'], which may be the inputs (each value is read before it is written) */
function runAdamW(
  kernels: HeapKernels,
  backend: WasmBackend,
  [p, m, v, g]: [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor],
  out: [tf.Tensor, tf.Tensor, tf.Tensor],
  s: AdamWScalars,
): void {
  for (const [name, t] of [
    ['weight', p],
    ['m', m],
    ['v', v],
    ['gradient', g],
  ] as const) {
    if (t.dtype !== 'float32' || t.size !== p.size)
      throw new Error(`AdamW on the wasm heap: ${name} is ${t.dtype} [${t.shape}], expected float32 [${p.shape}] like the weight`);
  }
  kernels.adamw(
    addressOf(backend, p),
    addressOf(backend, m),
    addressOf(backend, v),
    addressOf(backend, g),
    addressOf(backend, out[0]),
    addressOf(backend, out[1]),
    addressOf(backend, out[2]),
    p.size,
    s.beta1,
    1 - s.beta1,
    s.beta2,
    1 - s.beta2,
    s.sqrtBiasCorrection2,
    s.eps,
    s.stepSize,
    s.decay,
  );
}
