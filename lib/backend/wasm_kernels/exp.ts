/**
 * Exp for wasm with the kit's SIMD exponential (simd/heap_kernels.wat, four values per
 * instruction, relative error about 2e-7) instead of tfjs-backend-wasm 4.22's scalar std::exp
 * (about 7.5 ns a value here). Non-float32 inputs go to wasm's own kernel (`builtin`).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, wasmBackendOf } from './heap';
import { heapKernels } from './simd';

export function expKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    if (x == null) throw new Error('wasm kernel Exp: input x is missing');
    const kernels = heapKernels();
    if (x.dtype !== 'float32' || !kernels) return builtin(args);
    const backend = wasmBackendOf(args, 'Exp');
    const out = backend.makeOutput(x.shape, 'float32');
    kernels.exp(
      addressOf(backend, x),
      addressOf(backend, out),
      x.shape.reduce((a, b) => a * b, 1),
    );
    return out;
  };
}
