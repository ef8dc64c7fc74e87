/**
 * BatchMatMul for wasm on the kit's matrix product (gemm.ts: SIMD kernels on the heap, 38-47
 * GFLOP/s here against 24-27 for XNNPACK's in tfjs-backend-wasm 4.22, whose transposed and batched
 * paths are slower still: transposeB 12x, transposeA 20x, a batch of 12 about 5x the plain product).
 * - a transposed right operand is read in place (the packing takes strides);
 * - a transposed left operand is transposed first by the Transpose kernel (a few ns a value);
 * - a batched left operand times one right matrix is one product of [batch*M, K] rows;
 * - a batch of products runs batch by batch on addresses into the operands (no copies).
 * Broadcasting of batch dimensions other than "one side has batch 1", other dtypes, and a
 * WebAssembly without SIMD go to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, wasmBackendOf, type WasmBackend } from './heap';
import { gemmOnHeap, type HeapMatrix } from './gemm';
import { heapKernels } from './simd';

const NAME = 'BatchMatMul';

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

/** a BatchMatMul replacement; `builtin` is wasm's own kernel, for the cases listed above */
export function batchMatMulKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (a == null || b == null) throw new Error(`wasm kernel ${NAME}: inputs a and b are required`);
    const backend = wasmBackendOf(args, NAME);
    const kernels = heapKernels();
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
    if (!kernels || !broadcastable || a.dtype !== 'float32' || b.dtype !== 'float32') return builtin(args);
    const at = transposeA ? swapLast(backend, a) : a; // [..., M, K]
    try {
      const [m, k] = at.shape.slice(-2);
      const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
      const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const outShape = [...outBatch, m, n];
      const out = backend.makeOutput(outShape, 'float32');
      const aAddress = addressOf(backend, at);
      const bAddress = addressOf(backend, b);
      const cAddress = addressOf(backend, out);
      const left = (i: number): HeapMatrix => ({ address: aAddress + 4 * i * m * k, rowStride: k, colStride: 1 });
      const right = (i: number): HeapMatrix => ({
        address: bAddress + 4 * i * k * n,
        rowStride: transposeB ? 1 : n,
        colStride: transposeB ? k : 1,
      });
      if (batchB === 1) {
        gemmOnHeap(backend, kernels, left(0), right(0), cAddress, batchA * m, k, n); // every left matrix's rows at once
      } else {
        for (let i = 0; i < batchB; i++) {
          gemmOnHeap(backend, kernels, left(batchA === 1 ? 0 : i), right(i), cAddress + 4 * i * m * n, m, k, n);
        }
      }
      return out;
    } finally {
      if (transposeA) backend.disposeData(at.dataId);
    }
  };
}
