/**
 * timm's Attention with a fused qkv projection (vision_transformer.py): qkv = Linear(D, 3D),
 * split into heads, softmax(q k^T / sqrt(head_dim)) v, heads merged, then proj = Linear(D, D).
 * When no gradient is being recorded (inference) on wasm, the part between the two projections
 * runs on the heap head by head (lib/backend/wasm_kernels/attention_core.ts); under a tape, and on
 * other backends, as the composite below.
 */
import { tf } from '../tf';
import { attentionCoreOnHeap } from '../backend/wasm_kernels/attention_core';
import { linear } from './linear';
import { matMulFast } from './matmul';

/** whether an enclosing tf.grads / variableGrads is recording ops for a gradient */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** qkv [B, N, 3D] -> softmax(q k^T / sqrt(hd)) v per head, heads merged [B, N, D], with tfjs ops */
function attentionCore(qkvFlat: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  const [b, n, d3] = qkvFlat.shape;
  const d = d3 / 3;
  const hd = d / numHeads;
  const qkv = tf.reshape(qkvFlat, [b, n, 3, numHeads, hd]); // [B, N, 3, h, hd]
  const heads = tf.transpose(qkv, [2, 0, 3, 1, 4]); // [3, B, h, N, hd]
  const [q, k, v] = tf.unstack(heads, 0) as tf.Tensor4D[]; // each [B, h, N, hd]
  const scores = tf.mul(matMulFast(q, k, true), 1 / Math.sqrt(hd)); // [B, h, N, N]
  const out = matMulFast(tf.softmax(scores, -1), v); // [B, h, N, hd]
  return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, d]) as tf.Tensor3D; // [B, N, D]
}

export interface AttentionWeights {
  qkv: tf.Tensor2D; // [D, 3D], output order q | k | v, heads contiguous inside each
  qkvBias: tf.Tensor1D; // [3D]
  proj: tf.Tensor2D; // [D, D]
  projBias: tf.Tensor1D; // [D]
}

export const attention = tf.op({
  attention_(x: tf.Tensor3D, w: AttentionWeights, numHeads: number): tf.Tensor3D {
    const d = x.shape[2];
    if (d % numHeads !== 0) throw new Error(`attention: dim ${d} is not divisible by ${numHeads} heads`);
    const qkv = linear(x, w.qkv, w.qkvBias); // [B, N, 3D]
    const merged = (recordingGradients() ? undefined : attentionCoreOnHeap(qkv, numHeads)) ?? attentionCore(qkv, numHeads); // [B, N, D]
    return linear(merged, w.proj, w.projBias);
  },
});
