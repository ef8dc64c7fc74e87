/**
 * BatchMatMul for wasm, routing every product to the one path of tfjs-backend-wasm 4.22 that is
 * fast: XNNPACK's fully connected operator, i.e. one [M, K] x [K, N] product without transposes.
 * Measured on this machine (392 x 1024 x 256): plain 9 ms; transposeB 112 ms; transposeA 204 ms;
 * a batch of 12 (197 x 64 x 197) 52 ms, about 5x the same products one by one. So:
 * - a transposed operand is transposed first by the Transpose kernel (a few ns a value);
 * - a batched left operand times one right matrix is one product of [batch*M, K] rows;
 * - a batch of products runs batch by batch on views of the operands (no copies, heap.ts),
 *   each product written into its slice of the output.
 * Broadcasting of batch dimensions other than "one side has batch 1" goes to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { releaseView, viewOf, wasmBackendOf, type WasmBackend } from './heap';

const NAME = 'BatchMatMul';

type Run = (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }) => tf.TensorInfo;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Swaps the last two axes through the registered Transpose kernel. */
function swapLast(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error(`wasm kernel ${NAME}: no Transpose kernel registered`);
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 2] = perm.length - 1;
  perm[perm.length - 1] = perm.length - 2;
  return transpose.kernelFunc({
    inputs: { x },
    attrs: { perm } as unknown as tf.NamedAttrMap,
    backend: backend as unknown as tf.KernelBackend,
  }) as tf.TensorInfo;
}

/** a BatchMatMul replacement; `builtin` is wasm's own kernel, used for plain 2-D products */
export function batchMatMulKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  const plain = builtin as unknown as Run;
  return (args) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (a == null || b == null) throw new Error(`wasm kernel ${NAME}: inputs a and b are required`);
    const backend = wasmBackendOf(args, NAME);
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const simple = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
    const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
    if (simple || !broadcastable || a.dtype !== 'float32' || b.dtype !== 'float32') return builtin(args);
    const owned: tf.TensorInfo[] = [];
    try {
      const at = transposeA ? swapLast(backend, a) : a;
      if (transposeA) owned.push(at);
      const bt = transposeB ? swapLast(backend, b) : b;
      if (transposeB) owned.push(bt);
      const [m, k] = at.shape.slice(-2);
      const n = bt.shape[bt.shape.length - 1];
      const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const outShape = [...outBatch, m, n];
      const b2: tf.TensorInfo = { dataId: bt.dataId, shape: [k, n], dtype: 'float32' };
      if (batchB === 1) {
        // every left matrix times the one right matrix: one product of all the rows
        const a2: tf.TensorInfo = { dataId: at.dataId, shape: [batchA * m, k], dtype: 'float32' };
        const out = plain({ inputs: { a: a2, b: b2 }, attrs: { transposeA: false, transposeB: false }, backend });
        return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
      }
      const batch = Math.max(batchA, batchB);
      const out = backend.makeOutput([batch, m, n], 'float32');
      for (let i = 0; i < batch; i++) {
        const av = viewOf(backend, at, batchA === 1 ? 0 : i * m * k, [m, k]);
        const bv = viewOf(backend, bt, i * k * n, [k, n]);
        try {
          const r = plain({ inputs: { a: av, b: bv }, attrs: { transposeA: false, transposeB: false }, backend });
          const heap = backend.typedArrayFromHeap(out) as Float32Array;
          heap.set(backend.typedArrayFromHeap(r) as Float32Array, i * m * n);
          backend.disposeData(r.dataId);
        } finally {
          releaseView(backend, av);
          releaseView(backend, bv);
        }
      }
      return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
    } finally {
      for (const t of owned) backend.disposeData(t.dataId);
    }
  };
}
