/**
 * LayerNorm over the last axis, as torch.nn.LayerNorm (biased variance). timm's ViT uses
 * eps 1e-6; SEE's head uses LayerNorm(elementwise_affine=False) with torch's default eps 1e-5.
 */
import { tf } from '../tf';

export const layerNorm = tf.op({
  layerNorm_<T extends tf.Tensor>(x: T, weight: tf.Tensor1D | null, bias: tf.Tensor1D | null, eps: number): T {
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true); // [..., 1]
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as T; // [..., D]
    if (weight) y = tf.mul(y, weight);
    if (bias) y = tf.add(y, bias);
    return y;
  },
});
