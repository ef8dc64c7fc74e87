/**
 * Equal for wasm when one operand is broadcast (e.g. tf.max's gradient compares a feature map
 * [B, H, W, C] with its maximum [B, 1, 1, C]): one pass in JavaScript over the output with
 * per-axis strides (0 on broadcast axes). tfjs-backend-wasm 4.22's broadcasting path took about
 * 150 ns a value (104-132 ms for ResNet-50's [8, 7, 7, 2048] head at batch 8). Equal shapes, other
 * dtypes and ranks above 6 go to wasm's own kernel (`builtin`).
 */
import * as tf from '@tensorflow/tfjs';
import { wasmBackendOf } from './heap';

const MAX_RANK = 6;

/** strides of `shape` read as `outShape` (right-aligned), 0 where it is broadcast */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, o = outShape.length - 1; i >= 0; i--, o--) {
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

export function equalKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs;
    if (a == null || b == null) throw new Error('wasm kernel Equal: inputs a and b are required');
    const numeric = (d: string): boolean => d === 'float32' || d === 'int32';
    const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (same || a.dtype !== b.dtype || !numeric(a.dtype) || outShape.length > MAX_RANK) return builtin(args);
    const backend = wasmBackendOf(args, 'Equal');
    const out = backend.makeOutput(outShape, 'bool');
    const x = backend.typedArrayFromHeap(a);
    const y = backend.typedArrayFromHeap(b);
    const z = backend.typedArrayFromHeap(out);
    const rank = outShape.length;
    const sa = broadcastStrides(a.shape, outShape);
    const sb = broadcastStrides(b.shape, outShape);
    const inner = outShape[rank - 1] ?? 1;
    const [ia, ib] = [sa[rank - 1] ?? 0, sb[rank - 1] ?? 0];
    const index = new Array<number>(Math.max(0, rank - 1)).fill(0);
    const outer = outShape.slice(0, -1).reduce((p, d) => p * d, 1);
    let pa = 0;
    let pb = 0;
    for (let o = 0, q = 0; o < outer; o++) {
      for (let j = 0, u = pa, v = pb; j < inner; j++, u += ia, v += ib, q++) z[q] = x[u] === y[v] ? 1 : 0;
      // odometer over the outer axes
      for (let k = rank - 2; k >= 0; k--) {
        pa += sa[k];
        pb += sb[k];
        if (++index[k] < outShape[k]) break;
        pa -= sa[k] * outShape[k];
        pb -= sb[k] * outShape[k];
        index[k] = 0;
      }
    }
    return out;
  };
}
