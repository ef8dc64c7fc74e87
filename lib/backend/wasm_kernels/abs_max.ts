/**
 * The largest |value| of a float32 tensor on the wasm heap, read in place: NaN when any value is
 * NaN, Infinity when any is infinite (and none NaN). One pass answers both checks the training step
 * makes of every gradient: finite (< Infinity: step_health.ts) and within a clamp value (<= value:
 * grad_clip.ts). The SIMD kernel `abs_max` (simd/heap_kernels.wat) runs it where the kernels load;
 * absMaxOf is the same answer in JavaScript (a WebAssembly without SIMD). ResNet-50's 25.6 M gradient
 * values are read twice a step: 63 ms of a 1.45 s step at batch 8 in JavaScript, 7 ms by the kernel
 * (V8's sampling profiler over four steps, 2026-12-03).
 */
import { tf } from '../../tf';
import { addressOf, heapValues, type WasmBackend } from './heap';
import { heapKernels } from './simd';

/** the largest |v| of `values`, NaN when any is NaN; 0 when empty */
export function absMaxOf(values: Float32Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > max) max = a;
    else if (a !== a) return NaN;
  }
  return max;
}

/** `t`'s largest |value| (see the top of this file); undefined off wasm or when `t` is not float32. */
export function absMaxOnHeap(t: tf.Tensor): number | undefined {
  const values = heapValues(t);
  if (!values) return undefined;
  const kernels = heapKernels();
  if (!kernels) return absMaxOf(values);
  return kernels.abs_max(addressOf(tf.backend() as unknown as WasmBackend, t), t.size);
}
