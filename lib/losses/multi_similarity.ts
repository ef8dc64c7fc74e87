/**
 * Multi-Similarity loss (Wang et al., CVPR 2019, Eq. 4), without mining, as the SEE official
 * `losses.MSLoss_Angle`: S = cos between batch embeddings,
 *   L_i = 1/alpha log(1 + sum_{p in P_i} exp(-alpha (S_ip - base)))
 *       + 1/beta  log(1 + sum_{n in N_i} exp( beta (S_in - base))),
 * P_i = same label except i itself, N_i = other labels; mean over i. alpha 2, beta 50, base 0.5.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { assertRank2 } from '../method/validation';
import { l2Normalize } from './l2_normalize';
import { lossEntry } from './loss_entry';

export const MULTI_SIMILARITY_OPTIONS = {
  alpha: { default: 2, type: 'number', min: 0, exclusiveMin: true, source: 'official SEE losses.MSLoss_Angle (alpha 2)' },
  beta: { default: 50, type: 'number', min: 0, exclusiveMin: true, source: 'official SEE losses.MSLoss_Angle (beta 50)' },
  base: { default: 0.5, type: 'number', source: 'official SEE losses.MSLoss_Angle (base 0.5)' },
} as const satisfies OptionSchema;

export interface MultiSimilarityOptions {
  alpha?: number;
  beta?: number;
  base?: number;
}

export class MultiSimilarityLoss implements MetricLoss {
  readonly name = 'multi_similarity';
  readonly trainableVariables: tf.Variable[] = [];
  readonly alpha: number;
  readonly beta: number;
  readonly base: number;

  constructor(o: MultiSimilarityOptions = {}) {
    this.alpha = o.alpha ?? MULTI_SIMILARITY_OPTIONS.alpha.default;
    this.beta = o.beta ?? MULTI_SIMILARITY_OPTIONS.beta.default;
    this.base = o.base ?? MULTI_SIMILARITY_OPTIONS.base.default;
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const [b] = assertRank2(embeddings, 'embeddings', 'MultiSimilarityLoss');
    if (labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== b) {
      throw new Error(`MultiSimilarityLoss: labels must be int32 [${b}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const xn = l2Normalize(embeddings);
      const sim = tf.matMul(xn, tf.transpose(xn)); // [B, B]
      const same = tf.cast(tf.equal(tf.reshape(labels, [b, 1]), tf.reshape(labels, [1, b])), 'float32'); // [B, B]
      const posMask = tf.sub(same, tf.eye(b)); // [B, B]
      const negMask = tf.sub(1, same); // [B, B]
      const posExp = tf.mul(tf.exp(tf.mul(tf.sub(sim, this.base), -this.alpha)), posMask);
      const negExp = tf.mul(tf.exp(tf.mul(tf.sub(sim, this.base), this.beta)), negMask);
      const pos = tf.div(tf.log1p(tf.sum(posExp, 1)), this.alpha); // [B]
      const neg = tf.div(tf.log1p(tf.sum(negExp, 1)), this.beta); // [B]
      return tf.mean(tf.add(pos, neg)) as tf.Scalar;
    });
  }

  dispose(): void {
    /* no variables */
  }
}

/** The registry entry (lib/losses/registry.ts). */
export const MULTI_SIMILARITY = lossEntry({
  title: 'Multi-Similarity',
  reference: 'Wang et al., CVPR 2019, Eq. 4 without mining; official SEE losses.MSLoss_Angle (--loss MS)',
  paperMethod: 'MS',
  options: MULTI_SIMILARITY_OPTIONS,
  create: (_context, o) => new MultiSimilarityLoss(o),
});
