/**
 * MaxPoolGrad for wasm (tfjs-backend-wasm 4.22's runs ~50 ns a value: 0.7 s for ResNet-50's
 * pooling at batch 2): dx[argmax of each window] += dy[window], on the heap in one pass over the
 * windows with the channels innermost. The argmax is the first strictly greatest value in
 * row-major window order, as tfjs's cpu backend (pool_utils.maxPoolPositions) picks it; a window
 * of -inf only (padding) passes nothing back. With WebAssembly SIMD (simd/heap_kernels.wat
 * `maxpool_grad`) four channels at a time; otherwise the same loop in JavaScript.
 * Inputs and attrs: tfjs-core's MaxPoolGrad (dy, input, output; filterSize, strides, pad, dimRoundingMode).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, wasmBackendOf } from './heap';
import { heapKernels } from './simd';

const NAME = 'MaxPoolGrad';

export const maxPoolGradKernel: tf.KernelFunc = (args) => {
  const { dy, input } = args.inputs;
  if (dy == null || input == null) throw new Error(`wasm kernel ${NAME}: inputs dy and input are required`);
  if (dy.dtype !== 'float32' || input.dtype !== 'float32')
    throw new Error(`wasm kernel ${NAME}: float32 only, got ${dy.dtype} and ${input.dtype}`);
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const backend = wasmBackendOf(args, NAME);
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [n, h, w, c] = input.shape;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[0] !== n || dy.shape[1] !== ho || dy.shape[2] !== wo || dy.shape[3] !== c) {
    throw new Error(`wasm kernel ${NAME}: dy shape ${dy.shape} does not match the pooling output [${n},${ho},${wo},${c}]`);
  }
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const simd = heapKernels();
  if (simd) {
    simd.maxpool_grad(
      addressOf(backend, input),
      addressOf(backend, dy),
      addressOf(backend, out),
      n,
      h,
      w,
      c,
      ho,
      wo,
      sh,
      sw,
      fh,
      fw,
      top,
      left,
    );
    return out;
  }
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let yo = 0; yo < ho; yo++) {
      const r0 = Math.max(0, yo * sh - top);
      const r1 = Math.min(h, yo * sh - top + fh);
      for (let xo = 0; xo < wo; xo++) {
        const c0 = Math.max(0, xo * sw - left);
        const c1 = Math.min(w, xo * sw - left + fw);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const base = ((b * h + r) * w + col) * c;
            for (let k = 0; k < c; k++) {
              const v = x[base + k];
              if (v > best[k]) {
                best[k] = v;
                where[k] = base + k;
              }
            }
          }
        }
        const gBase = ((b * ho + yo) * wo + xo) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += g[gBase + k];
      }
    }
  }
  return out;
};
