/**
 * The filter of a convolution's input gradient (conv2d_backprop_input.ts): W [fh, fw, Ci, Co]
 * flipped in space with its channels swapped, [fh, fw, Co, Ci]:
 *
 *   flipped[i, j, co, ci] = W[fh-1-i, fw-1-j, ci, co]
 *
 * that is, one [Ci, Co] -> [Co, Ci] matrix transpose per tap, taken from the mirrored tap. Written
 * here by one pass over the heap in TILE x TILE blocks, so that the TILE source rows being read stay
 * in the cache while TILE destination rows are written. tfjs's Reverse and Transpose took 12-21 ms
 * for ResNet-50's [3, 3, 512, 512] here, about 50 ms of its training step in all, and each worker of
 * a data-parallel step pays that in full whatever its share of the batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './heap';

/** side of the square blocks each tap's transpose is copied by */
const TILE = 16;

/** flipped (see the top of this file) as a new tensor on the wasm heap; float32 only */
export function flippedFilter(backend: WasmBackend, w: tf.Tensor4D): tf.Tensor4D {
  if (w.dtype !== 'float32') throw new Error(`flippedFilter: the filter is ${w.dtype}, expected float32`);
  const [fh, fw, ci, co] = w.shape;
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  // views after the allocation: makeOutput may grow the heap
  const src = backend.typedArrayFromHeap(w) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const taps = fh * fw;
  const tap = ci * co;
  for (let t = 0; t < taps; t++) transposeTap(src, (taps - 1 - t) * tap, dst, t * tap, ci, co);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
}

/** dst[to + c * rows + r] = src[from + r * cols + c]: a [rows, cols] matrix transposed, block by block */
function transposeTap(src: Float32Array, from: number, dst: Float32Array, to: number, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const row = from + r * cols;
        for (let c = c0; c < c1; c++) dst[to + c * rows + r] = src[row + c];
      }
    }
  }
}
