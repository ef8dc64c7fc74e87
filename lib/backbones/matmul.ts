/**
 * Matrix products for the backbones. tfjs-backend-wasm 4.22's own BatchMatMul runs transposed
 * operands on a slow path (a ViT-S block's backward spent ~95% of its time there); the kit's wasm
 * kernel (lib/backend/wasm_kernels/batch_mat_mul.ts) and the other backends read them in place.
 * Where the product is wasm's own (a WebAssembly without SIMD), the gradients here transpose
 * explicitly and multiply plainly instead; elsewhere they are tf.matMul's own, with transpose flags.
 */
import { tf } from '../tf';
import { heapKernels } from '../backend/wasm_kernels/simd';

/** whether the active backend multiplies transposed operands in place: every backend but wasm without the kit's kernels */
export function transposesInPlace(): boolean {
  return tf.getBackend() !== 'wasm' || heapKernels() !== undefined;
}

/** Swaps the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 2] = t.rank - 1;
  perm[t.rank - 1] = t.rank - 2;
  return tf.transpose(t, perm);
}

/** a^T (when transposeA) times b^T (when transposeB), as one product with flags or with explicit transposes (see above) */
export function matMulT(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (transposesInPlace()) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b));
}

/** the explicit-transpose product, for wasm's own kernel only (matMulFast) */
const plain = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b), // [..., M, N]
    // a tidy: the tape runs a customGrad's gradFunc outside any scope, so the transposes would
    // otherwise live until the end of the backward pass
    gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sa, sb] = saved;
        return [tf.matMul(g, swapLast(sb)), tf.matMul(swapLast(sa), g)]; // [..., M, K], [..., K, N]
      }),
  };
});

/** a [..., M, K] @ b [..., K, N] -> [..., M, N] (same batch dims); `transposeB` transposes b first. */
export function matMulFast<T extends tf.Tensor>(a: T, b: tf.Tensor, transposeB = false): T {
  const bBatch = b.shape.slice(0, -2);
  if (a.rank !== b.rank || a.shape.slice(0, -2).some((d, i) => d !== bBatch[i])) {
    const shown = transposeB ? [...bBatch, b.shape[b.rank - 1], b.shape[b.rank - 2]] : b.shape;
    throw new Error(`matMulFast: batch dims of [${a.shape.join(', ')}] and [${shown.join(', ')}] differ`);
  }
  if (transposesInPlace()) return tf.matMul(a, b, false, transposeB) as T;
  return tf.tidy(() => plain(a, transposeB ? swapLast(b) : b) as T);
}
