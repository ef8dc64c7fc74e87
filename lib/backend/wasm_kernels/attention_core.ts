/**
 * The inside of ViT's attention (lib/backbones/attention.ts) for inference on the wasm heap: from
 * the qkv projection [B, N, 3D] (q | k | v, heads contiguous inside each) to the heads' outputs
 * merged [B, N, D], head by head with the kit's matrix product reading q, k and v in place:
 * S = q k^T (k read transposed), softmax(S / sqrt(hd)) row by row (`softmax_rows` in
 * simd/heap_kernels.wat), O = S v, O's rows copied into their head's columns of the output. It
 * replaces the composite's split (a rank-5 Transpose and an Unpack), the scale, the softmax's
 * kernels and the merge (a Transpose). Values equal the composite's to float rounding
 * (test/backbones/attention.test.ts); no gradient: training runs the composite.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, heapTensor, type WasmBackend } from './heap';
import { gemmOnHeap } from './gemm';
import { heapKernels } from './simd';

/** softmax(q k^T / sqrt(hd)) v per head, heads merged: qkv [B, N, 3D] -> [B, N, D]; undefined off wasm (use the composite). */
export function attentionCoreOnHeap(qkv: tf.Tensor3D, numHeads: number): tf.Tensor3D | undefined {
  const kernels = heapKernels();
  if (!kernels || qkv.dtype !== 'float32') return undefined;
  const [b, n, d3] = qkv.shape;
  const d = d3 / 3;
  const hd = d / numHeads;
  if (!Number.isInteger(d) || !Number.isInteger(hd)) {
    throw new Error(`attentionCoreOnHeap: qkv's last dim ${d3} is not 3 x ${numHeads} heads x a head dim`);
  }
  const backend = tf.backend() as unknown as WasmBackend;
  const memory = heapMemory(backend);
  const out = heapTensor(backend, [b, n, d]); // [B, N, D]
  if (out.size === 0) return out as tf.Tensor3D;
  const scratch = memory.scratch(n * n + n * hd); // S [N, N], then O [N, hd]
  try {
    // addresses after every allocation (they stay valid); heap views are taken fresh after each product
    const base = addressOf(backend, qkv);
    const outBase = addressOf(backend, out);
    const s = scratch.address;
    const o = s + 4 * n * n;
    const scale = 1 / Math.sqrt(hd);
    for (let i = 0; i < b; i++) {
      for (let h = 0; h < numHeads; h++) {
        const q = base + 4 * (i * n * d3 + h * hd); // row t at q + 4 t d3
        const k = q + 4 * d;
        const v = q + 8 * d;
        gemmOnHeap(memory, kernels, { address: q, rowStride: d3, colStride: 1 }, { address: k, rowStride: 1, colStride: d3 }, s, n, hd, n); // [N, N]
        kernels.softmax_rows(s, n, n, scale);
        gemmOnHeap(memory, kernels, { address: s, rowStride: n, colStride: 1 }, { address: v, rowStride: d3, colStride: 1 }, o, n, n, hd); // [N, hd]
        const heap = new Float32Array(memory.bytes().buffer);
        const dst = (outBase >> 2) + i * n * d + h * hd;
        for (let t = 0; t < n; t++) heap.copyWithin(dst + t * d, (o >> 2) + t * hd, (o >> 2) + (t + 1) * hd);
      }
    }
  } finally {
    scratch.release();
  }
  return out as tf.Tensor3D;
}
