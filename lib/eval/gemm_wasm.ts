/**
 * Block GEMM through the wasm backend's matMul, which in the kit's block workers is the kit's own
 * product (lib/backend/wasm_kernels/gemm.ts, SIMD on the heap). With tfjs-wasm's XNNPACK product,
 * before it, 2048 x 2048 blocks ran at 17 GFLOP/s at D=128 and 31 at D=512 (one thread) and at
 * 2 GFLOP/s with transposeB, which is why the reference rows are transposed in JS first (the kit's
 * product reads a transposed operand in place; the copy, D x bj values a block, is kept).
 * Call only where the active tfjs backend is wasm (a worker thread of knn_blocks.ts).
 */
import { tf } from '../tf';
import type { BlockGemm } from './block_runner';

export function wasmBlockGemm(q: Float32Array, g: Float32Array, dim: number, blockSize: number): BlockGemm {
  const bt = new Float32Array(dim * blockSize); // [D, bj] transposed reference rows
  const qCopy = new Float32Array(blockSize * dim);
  return async (q0, bi, g0, bj) => {
    for (let r = 0; r < bj; r++) {
      const src = (g0 + r) * dim;
      for (let k = 0; k < dim; k++) bt[k * bj + r] = g[src + k];
    }
    qCopy.set(q.subarray(q0 * dim, (q0 + bi) * dim));
    const out = tf.tidy(() => {
      const a = tf.tensor2d(qCopy.subarray(0, bi * dim), [bi, dim]); // [bi, D]
      const b = tf.tensor2d(bt.subarray(0, dim * bj), [dim, bj]); // [D, bj]
      return tf.matMul(a, b); // [bi, bj]
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
}
