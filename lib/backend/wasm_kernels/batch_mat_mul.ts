/**
 * BatchMatMul for wasm on the kit's matrix product (gemm.ts: SIMD kernels on the heap, 38-47
 * GFLOP/s here against 24-27 for XNNPACK's in tfjs-backend-wasm 4.22, whose transposed and batched
 * paths are slower still: transposeB 12x, transposeA 20x, a batch of 12 about 5x the plain product).
 * - transposed operands are read in place (the packing takes strides);
 * - a batched left operand (not transposed) times one right matrix is one product of [batch*M, K] rows;
 * - a batch of products runs batch by batch on addresses into the operands (no copies).
 * Broadcasting of batch dimensions other than "one side has batch 1", other dtypes, and a
 * WebAssembly without SIMD go to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, wasmBackendOf } from './heap';
import { gemmOnHeap, type HeapMatrix } from './gemm';
import { heapKernels } from './simd';

const NAME = 'BatchMatMul';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
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
    const [m, k] = transposeA ? [a.shape[a.shape.length - 1], a.shape[a.shape.length - 2]] : a.shape.slice(-2);
    const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const outShape = [...outBatch, m, n];
    const out = backend.makeOutput(outShape, 'float32');
    const aAddress = addressOf(backend, a);
    const bAddress = addressOf(backend, b);
    const cAddress = addressOf(backend, out);
    const memory = heapMemory(backend);
    const left = (i: number): HeapMatrix => ({
      address: aAddress + 4 * i * m * k,
      rowStride: transposeA ? 1 : k,
      colStride: transposeA ? m : 1,
    });
    const right = (i: number): HeapMatrix => ({
      address: bAddress + 4 * i * k * n,
      rowStride: transposeB ? 1 : n,
      colStride: transposeB ? k : 1,
    });
    if (batchB === 1 && !transposeA) {
      gemmOnHeap(memory, kernels, left(0), right(0), cAddress, batchA * m, k, n); // every left matrix's rows at once
    } else {
      const batch = Math.max(batchA, batchB);
      for (let i = 0; i < batch; i++) {
        gemmOnHeap(memory, kernels, left(batchA === 1 ? 0 : i), right(batchB === 1 ? 0 : i), cAddress + 4 * i * m * n, m, k, n);
      }
    }
    return out;
  };
}
