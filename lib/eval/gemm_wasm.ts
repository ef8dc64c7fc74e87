/**
 * Block GEMM through tfjs-wasm's matMul (XNNPACK, SIMD). Measured here, 2048 x 2048 blocks:
 * matMul(A [M, D], Bt [D, N]) 17 GFLOP/s at D=128 and 31 at D=512 (one thread), while
 * matMul(A, B, false, true) runs at 2 GFLOP/s, so the reference rows are transposed in JS first.
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
