/**
 * timm's Attention with a fused qkv projection (vision_transformer.py): qkv = Linear(D, 3D),
 * split into heads, softmax(q k^T / sqrt(head_dim)) v, heads merged, then proj = Linear(D, D).
 * On wasm the part between the two projections runs on the heap head by head, both ways
 * (lib/backend/wasm_kernels/attention_core.ts; under a tape it keeps the probabilities for the
 * gradient); on other backends as the composite below.
 */
import { tf } from '../tf';
import { attentionCoreGradOnHeap, attentionCoreOnHeap } from '../backend/wasm_kernels/attention_core';
import { heapKernels } from '../backend/wasm_kernels/simd';
import { linear } from './linear';
import { matMulFast } from './matmul';

/** whether an enclosing tf.grads / variableGrads is recording ops for a gradient */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** the heap core as an op with a gradient: saves qkv and the probabilities */
function heapCoreWithGradient(numHeads: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qkv, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    const forward = attentionCoreOnHeap(qkv, numHeads, true);
    if (!forward?.probabilities) throw new Error('attention: the heap core stopped being available between its check and its run');
    save([qkv, forward.probabilities]);
    return {
      value: forward.value,
      gradFunc: (dy: tf.Tensor, [sq, sp]: tf.Tensor[]) => {
        const dqkv = attentionCoreGradOnHeap(sq as tf.Tensor3D, sp as tf.Tensor4D, dy, numHeads);
        if (!dqkv) throw new Error('attention: the heap core gradient is not available on this backend');
        return [dqkv];
      },
    };
  });
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
    const onHeap = heapKernels() !== undefined && qkv.dtype === 'float32';
    const merged = !onHeap
      ? attentionCore(qkv, numHeads)
      : recordingGradients()
        ? (heapCoreWithGradient(numHeads)(qkv) as tf.Tensor3D)
        : attentionCoreOnHeap(qkv, numHeads)!.value; // [B, N, D]
    return linear(merged, w.proj, w.projBias);
  },
});
