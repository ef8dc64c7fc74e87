/**
 * Matrix product whose gradient uses explicit transposes instead of matMul's transposeA /
 * transposeB flags: tfjs-backend-wasm 4.22 runs transposed BatchMatMul on a slow path (a ViT-S
 * block's backward spent ~95% of its time there), while Transpose + plain BatchMatMul is fast.
 * Same values and gradients as tf.matMul(a, b) for equal batch dimensions.
 */
import { tf } from '../tf';

/** Swaps the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 2] = t.rank - 1;
  perm[t.rank - 1] = t.rank - 2;
  return tf.transpose(t, perm);
}

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
  return tf.tidy(() => {
    const bb = transposeB ? swapLast(b) : b;
    if (a.rank !== bb.rank || a.shape.slice(0, -2).some((d, i) => d !== bb.shape[i])) {
      throw new Error(`matMulFast: batch dims of [${a.shape.join(', ')}] and [${bb.shape.join(', ')}] differ`);
    }
    return plain(a, bb) as T;
  });
}
