/**
 * timm's Attention with a fused qkv projection (vision_transformer.py): qkv = Linear(D, 3D),
 * split into heads, softmax(q k^T / sqrt(head_dim)) v, heads merged, then proj = Linear(D, D).
 */
import { tf } from '../tf';
import { linear } from './linear';
import { matMulFast } from './matmul';

export interface AttentionWeights {
  qkv: tf.Tensor2D; // [D, 3D], output order q | k | v, heads contiguous inside each
  qkvBias: tf.Tensor1D; // [3D]
  proj: tf.Tensor2D; // [D, D]
  projBias: tf.Tensor1D; // [D]
}

export const attention = tf.op({
  attention_(x: tf.Tensor3D, w: AttentionWeights, numHeads: number): tf.Tensor3D {
    const [b, n, d] = x.shape;
    if (d % numHeads !== 0) throw new Error(`attention: dim ${d} is not divisible by ${numHeads} heads`);
    const hd = d / numHeads;
    const qkv = tf.reshape(linear(x, w.qkv, w.qkvBias), [b, n, 3, numHeads, hd]); // [B, N, 3, h, hd]
    const heads = tf.transpose(qkv, [2, 0, 3, 1, 4]); // [3, B, h, N, hd]
    const [q, k, v] = tf.unstack(heads, 0) as tf.Tensor4D[]; // each [B, h, N, hd]
    const scores = tf.mul(matMulFast(q, k, true), 1 / Math.sqrt(hd)); // [B, h, N, N]
    const out = matMulFast(tf.softmax(scores, -1), v); // [B, h, N, hd]
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, d]) as tf.Tensor3D; // [B, N, D]
    return linear(merged, w.proj, w.projBias);
  },
});
