/**
 * The inside of ViT's attention (lib/backbones/attention.ts) on the wasm heap: from the qkv
 * projection [B, N, 3D] (q | k | v, heads contiguous inside each) to the heads' outputs merged
 * [B, N, D], and its gradient, head by head with the kit's matrix product (gemm.ts) reading q, k, v
 * and the output's gradient in place by strides:
 * - forward: S = q k^T (k read transposed), P = softmax(S / sqrt(hd)) row by row (`softmax_rows` in
 *   simd/heap_kernels.wat), O = P v, O's rows copied into their head's columns of the output;
 * - backward, from P (kept by the forward) and dO: dv = P^T dO, dP = dO v^T, dS = P (dP - rowsum(dP P))
 *   / sqrt(hd) (`softmax_rows_backward`), dq = dS k, dk = dS^T q, each written into its columns of dqkv.
 * This replaces the composite's split (a rank-5 Transpose and an Unpack) and merge (a Transpose),
 * their gradients (a Pack and another rank-5 Transpose), the scale and the softmax's kernels both ways.
 * Values equal the composite's to float rounding (test/backbones/attention.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, heapTensor, type KernelMemory, type WasmBackend } from './heap';
import { gemmOnHeap, type HeapMatrix } from './gemm';
import { heapKernels } from './simd';
import type { HeapKernels } from './simd/load';

interface Geometry {
  b: number;
  n: number;
  d: number;
  hd: number;
  numHeads: number;
}

function geometry(qkv: tf.Tensor, numHeads: number): Geometry {
  const [b, n, d3] = qkv.shape;
  const d = d3 / 3;
  const hd = d / numHeads;
  if (qkv.rank !== 3 || !Number.isInteger(d) || !Number.isInteger(hd)) {
    throw new Error(`attention core: qkv [${qkv.shape.join(', ')}] is not [B, N, 3 x ${numHeads} heads x a head dim]`);
  }
  return { b, n, d, hd, numHeads };
}

/** `rows` rows of hd floats: row t from byte address `from` + 4 t fromStride to `to` + 4 t toStride (a head's block into its columns, strides in floats) */
function copyRows(memory: KernelMemory, from: number, fromStride: number, to: number, toStride: number, rows: number, hd: number): void {
  const heap = new Float32Array(memory.bytes().buffer); // a fresh view: a product may have grown the heap
  for (let t = 0; t < rows; t++) heap.copyWithin((to >> 2) + t * toStride, (from >> 2) + t * fromStride, (from >> 2) + t * fromStride + hd);
}

/** q, k and v of batch item i, head h, as operands: row t of q at qkv + 4 (t 3D + h hd) */
function heads(qkvAddress: number, g: Geometry, i: number, h: number): { q: number; k: number; v: number; rowStride: number } {
  const q = qkvAddress + 4 * (i * g.n * 3 * g.d + h * g.hd);
  return { q, k: q + 4 * g.d, v: q + 8 * g.d, rowStride: 3 * g.d };
}

const rowMajor = (address: number, rowStride: number): HeapMatrix => ({ address, rowStride, colStride: 1 });
const transposed = (address: number, rowStride: number): HeapMatrix => ({ address, rowStride: 1, colStride: rowStride });

export interface AttentionCoreForward {
  /** heads merged, [B, N, D] */
  value: tf.Tensor3D;
  /** softmax(q k^T / sqrt(hd)) per head, [B, h, N, N], where asked for (the gradient needs it) */
  probabilities?: tf.Tensor4D;
}

/** softmax(q k^T / sqrt(hd)) v per head, heads merged: qkv [B, N, 3D] -> [B, N, D]; undefined off wasm (use the composite). */
export function attentionCoreOnHeap(qkv: tf.Tensor3D, numHeads: number, keepProbabilities = false): AttentionCoreForward | undefined {
  const kernels = heapKernels();
  if (!kernels || qkv.dtype !== 'float32') return undefined;
  const g = geometry(qkv, numHeads);
  const backend = tf.backend() as unknown as WasmBackend;
  const memory = heapMemory(backend);
  const value = heapTensor(backend, [g.b, g.n, g.d]) as tf.Tensor3D; // [B, N, D]
  const probabilities = keepProbabilities ? (heapTensor(backend, [g.b, numHeads, g.n, g.n]) as tf.Tensor4D) : undefined; // [B, h, N, N]
  if (value.size === 0) return { value, probabilities };
  const scratch = memory.scratch((keepProbabilities ? 0 : g.n * g.n) + g.n * g.hd); // S [N, N] unless kept, then O [N, hd]
  try {
    // addresses after every allocation (they stay valid while their tensors live)
    const base = addressOf(backend, qkv);
    const outBase = addressOf(backend, value);
    const kept = probabilities ? addressOf(backend, probabilities) : 0;
    const o = scratch.address + (keepProbabilities ? 0 : 4 * g.n * g.n);
    const scale = 1 / Math.sqrt(g.hd);
    for (let i = 0; i < g.b; i++) {
      for (let h = 0; h < numHeads; h++) {
        const { q, k, v, rowStride } = heads(base, g, i, h);
        const s = probabilities ? kept + 4 * (i * numHeads + h) * g.n * g.n : scratch.address;
        gemmOnHeap(memory, kernels, rowMajor(q, rowStride), transposed(k, rowStride), s, g.n, g.hd, g.n); // [N, N]
        kernels.softmax_rows(s, g.n, g.n, scale);
        gemmOnHeap(memory, kernels, rowMajor(s, g.n), rowMajor(v, rowStride), o, g.n, g.n, g.hd); // [N, hd]
        copyRows(memory, o, g.hd, outBase + 4 * (i * g.n * g.d + h * g.hd), g.d, g.n, g.hd);
      }
    }
  } finally {
    scratch.release();
  }
  return { value, probabilities };
}

/** one product into the [N, hd] scratch, then its rows into their columns of dqkv */
function productIntoColumns(
  memory: KernelMemory,
  kernels: HeapKernels,
  a: HeapMatrix,
  b: HeapMatrix,
  k: number,
  g: Geometry,
  scratch: number,
  to: number,
): void {
  gemmOnHeap(memory, kernels, a, b, scratch, g.n, k, g.hd); // [N, hd]
  copyRows(memory, scratch, g.hd, to, 3 * g.d, g.n, g.hd);
}

/**
 * The gradient of attentionCoreOnHeap: dqkv [B, N, 3D] from its input qkv, the probabilities it kept
 * and the output's gradient dOut [B, N, D]; undefined off wasm.
 */
export function attentionCoreGradOnHeap(
  qkv: tf.Tensor3D,
  probabilities: tf.Tensor4D,
  dOut: tf.Tensor,
  numHeads: number,
): tf.Tensor3D | undefined {
  const kernels = heapKernels();
  if (!kernels || [qkv, probabilities, dOut].some((t) => t.dtype !== 'float32')) return undefined;
  const g = geometry(qkv, numHeads);
  if (dOut.size !== g.b * g.n * g.d || probabilities.size !== g.b * numHeads * g.n * g.n) {
    throw new Error(
      `attention core gradient: dOut [${dOut.shape.join(', ')}] or probabilities [${probabilities.shape.join(', ')}] do not fit qkv [${qkv.shape.join(', ')}]`,
    );
  }
  const backend = tf.backend() as unknown as WasmBackend;
  const memory = heapMemory(backend);
  const dqkv = heapTensor(backend, qkv.shape) as tf.Tensor3D; // [B, N, 3D]
  if (dqkv.size === 0) return dqkv;
  const scratch = memory.scratch(g.n * g.n + g.n * g.hd); // dS [N, N], then a [N, hd] block
  try {
    const base = addressOf(backend, qkv);
    const gradBase = addressOf(backend, dqkv);
    const pBase = addressOf(backend, probabilities);
    const dyBase = addressOf(backend, dOut);
    const ds = scratch.address;
    const block = ds + 4 * g.n * g.n;
    const scale = 1 / Math.sqrt(g.hd);
    for (let i = 0; i < g.b; i++) {
      for (let h = 0; h < numHeads; h++) {
        const { q, k, v, rowStride } = heads(base, g, i, h);
        const grads = heads(gradBase, g, i, h);
        const p = pBase + 4 * (i * numHeads + h) * g.n * g.n;
        const dy = rowMajor(dyBase + 4 * (i * g.n * g.d + h * g.hd), g.d); // [N, hd] in dOut's rows
        productIntoColumns(memory, kernels, transposed(p, g.n), dy, g.n, g, block, grads.v); // dv = P^T dO
        gemmOnHeap(memory, kernels, dy, transposed(v, rowStride), ds, g.n, g.hd, g.n); // dP = dO v^T [N, N]
        kernels.softmax_rows_backward(p, ds, g.n, g.n, scale); // dS, the scale included
        productIntoColumns(memory, kernels, rowMajor(ds, g.n), rowMajor(k, rowStride), g.n, g, block, grads.q); // dq = dS k
        productIntoColumns(memory, kernels, transposed(ds, g.n), rowMajor(q, rowStride), g.n, g, block, grads.k); // dk = dS^T q
      }
    }
  } finally {
    scratch.release();
  }
  return dqkv;
}
