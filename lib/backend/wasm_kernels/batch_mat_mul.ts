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
import { addressOf, heapMemory, wasmBackendOf, type WasmBackend } from './heap';
import { gemmOnHeap, type HeapMatrix } from './gemm';
import { heapKernels } from './simd';

const NAME = 'BatchMatMul';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** what multiplyOnHeap needs of a product's operands */
interface Product {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

/** whether the kit runs this product (else wasm's own kernel does): float32, SIMD kernels, batches equal or one of them 1 */
export function isKitProduct({ a, b }: Product): boolean {
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
  return heapKernels() !== undefined && broadcastable && a.dtype === 'float32' && b.dtype === 'float32';
}

/** the product's output shape [...batch, M, N] */
export function productShape({ a, b, transposeA, transposeB }: Product): number[] {
  const m = a.shape[a.shape.length - (transposeA ? 1 : 2)];
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
  return [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
}

/**
 * out [...batch, M, N] = A B, or out += A B when `accumulate` (the bias of _FusedMatMul written
 * first); the caller checked isKitProduct and made `out` of productShape.
 */
export function multiplyOnHeap(
  backend: WasmBackend,
  { a, b, transposeA, transposeB }: Product,
  out: tf.TensorInfo,
  accumulate = false,
): void {
  const kernels = heapKernels();
  if (!kernels) throw new Error(`wasm kernel ${NAME}: the kit's SIMD kernels are not loaded`);
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  const [m, k] = transposeA ? [a.shape[a.shape.length - 1], a.shape[a.shape.length - 2]] : a.shape.slice(-2);
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
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
    gemmOnHeap(memory, kernels, left(0), right(0), cAddress, batchA * m, k, n, accumulate); // every left matrix's rows at once
    return;
  }
  const batch = Math.max(batchA, batchB);
  for (let i = 0; i < batch; i++) {
    gemmOnHeap(memory, kernels, left(batchA === 1 ? 0 : i), right(batchB === 1 ? 0 : i), cAddress + 4 * i * m * n, m, k, n, accumulate);
  }
}

/** a BatchMatMul replacement; `builtin` is wasm's own kernel, for the cases listed above */
export function batchMatMulKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (a == null || b == null) throw new Error(`wasm kernel ${NAME}: inputs a and b are required`);
    const backend = wasmBackendOf(args, NAME);
    const product = { a, b, transposeA, transposeB };
    if (!isKitProduct(product)) return builtin(args);
    const out = backend.makeOutput(productShape(product), 'float32');
    multiplyOnHeap(backend, product, out);
    return out;
  };
}
