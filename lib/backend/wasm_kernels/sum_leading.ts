/**
 * Sum over leading axes for wasm: out[j] = sum_i x[i, j] with x seen as [rows, cols]. This is the
 * reduction of every bias and BatchNorm gradient (NHWC summed over N, H, W); tfjs-backend-wasm
 * 4.22 transposes the reduced axes to the end first and ran it at ~20 ns a value. Here it is one
 * pass over the rows, accumulated in float64: `col_sum` in simd/heap_kernels.wat (about 2 ns a value
 * as a JavaScript loop: ViT-S's bias gradients took 5% of its step), or that loop where the SIMD
 * kernels are not loaded; both make the same additions in the same order. Other reductions (and
 * non-float32 data) go to wasm's own kernel (`builtin`).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, wasmBackendOf } from './heap';
import { heapKernels } from './simd';

/** a Sum replacement for reductions over leading axes */
export function sumKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    if (x == null) throw new Error('wasm kernel Sum: input x is missing');
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return builtin(args);
    const backend = wasmBackendOf(args, 'Sum');
    const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(axes.length);
    const cols = rest.reduce((a, b) => a * b, 1);
    const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
    const out = backend.makeOutput(shape, 'float32');
    const kernels = heapKernels();
    if (kernels && rows * cols > 0) {
      const acc = heapMemory(backend).scratch(2 * cols); // cols float64
      try {
        kernels.col_sum(addressOf(backend, x), rows, cols, acc.address, addressOf(backend, out));
      } finally {
        acc.release();
      }
      return out;
    }
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const acc = new Float64Array(cols);
    for (let i = 0, p = 0; i < rows; i++) for (let j = 0; j < cols; j++, p++) acc[j] += src[p];
    (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
    return out;
  };
}
