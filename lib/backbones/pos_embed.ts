/**
 * Resampling of ViT absolute position embeddings to another patch grid, as timm's
 * resample_abs_pos_embed (layers/pos_embed.py): prefix tokens (class, distillation) kept,
 * the grid resized with torch.nn.functional.interpolate(mode='bicubic', align_corners=False),
 * without antialiasing. Written as two small interpolation matrices so it is differentiable.
 */
import { tf } from '../tf';

const A = -0.75; // PyTorch's cubic convolution coefficient

function cubicWeights(t: number): number[] {
  const c1 = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
  const c2 = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/** [outSize, inSize] matrix of PyTorch's 1-D bicubic interpolation (align_corners=False). */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const real = (o + 0.5) * scale - 0.5;
    const base = Math.floor(real);
    const w = cubicWeights(real - base);
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(base - 1 + k, 0), inSize - 1); // border replicated
      m[o * inSize + idx] += w[k];
    }
  }
  return m;
}

/** pos [1, prefix + gh*gw, D] -> [1, prefix + nh*nw, D]. */
export const resamplePosEmbed = tf.op({
  resamplePosEmbed_(pos: tf.Tensor3D, prefix: number, oldGrid: [number, number], newGrid: [number, number]): tf.Tensor3D {
    const [oh, ow] = oldGrid;
    const [nh, nw] = newGrid;
    const d = pos.shape[2];
    if (pos.shape[1] !== prefix + oh * ow) {
      throw new Error(`resamplePosEmbed: ${pos.shape[1]} tokens, expected ${prefix} + ${oh}x${ow}`);
    }
    const head = tf.slice(pos, [0, 0, 0], [1, prefix, d]); // [1, prefix, D]
    const grid = tf.reshape(tf.slice(pos, [0, prefix, 0], [1, oh * ow, d]), [oh, ow * d]); // [oh, ow*D]
    const wh = tf.tensor2d(bicubicMatrix(oh, nh), [nh, oh]);
    const ww = tf.tensor2d(bicubicMatrix(ow, nw), [nw, ow]);
    const rows = tf.transpose(tf.reshape(tf.matMul(wh, grid), [nh, ow, d]), [1, 0, 2]); // [ow, nh, D]
    const cols = tf.reshape(tf.matMul(ww, tf.reshape(rows, [ow, nh * d])), [nw, nh, d]); // [nw, nh, D]
    const out = tf.reshape(tf.transpose(cols, [1, 0, 2]), [1, nh * nw, d]); // [1, nh*nw, D]
    return tf.concat([head, out], 1) as tf.Tensor3D; // [1, prefix + nh*nw, D]
  },
});
