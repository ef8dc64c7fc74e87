/**
 * Element-wise kernels for wasm with the kit's SIMD functions (simd/heap_kernels.wat, four values
 * per instruction) instead of tfjs-backend-wasm 4.22's scalar loops. Non-float32 inputs, or a
 * WebAssembly without SIMD, go to wasm's own kernel (`builtin`).
 * - Exp: relative error about 2e-7 (wasm's std::exp took about 7.5 ns a value here).
 * - Erf: the Abramowitz & Stegun 7.1.26 formula tfjs's cpu backend uses, absolute error below
 *   1.5e-7 (wasm's took about 12 ns a value: 159 ms of a 3.9 s ViT-S inference, in its exact GELU).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, wasmBackendOf } from './heap';
import { heapKernels, type HeapKernels } from './simd';

function simdUnaryKernel(name: string, fn: 'exp' | 'erf'): (builtin: tf.KernelFunc) => tf.KernelFunc {
  return (builtin) => (args) => {
    const { x } = args.inputs;
    if (x == null) throw new Error(`wasm kernel ${name}: input x is missing`);
    const kernels: HeapKernels | undefined = heapKernels();
    if (x.dtype !== 'float32' || !kernels) return builtin(args);
    const backend = wasmBackendOf(args, name);
    const out = backend.makeOutput(x.shape, 'float32');
    kernels[fn](
      addressOf(backend, x),
      addressOf(backend, out),
      x.shape.reduce((a, b) => a * b, 1),
    );
    return out;
  };
}

export const expKernel = simdUnaryKernel('Exp', 'exp');
export const erfKernel = simdUnaryKernel('Erf', 'erf');
