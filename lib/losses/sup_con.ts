/**
 * Supervised contrastive loss (Khosla et al., NeurIPS 2020, Eq. 2, "L_out"), as
 * pytorch-metric-learning's `SupConLoss`: s = cos / tau; for anchor i and each positive p,
 * -log( exp(s_ip) / sum_{a != i} exp(s_ia) ), averaged over i's positives, then over anchors that
 * have a positive. tau = 0.1 (PML's default).
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { assertRank2 } from '../method/validation';
import { l2Normalize } from './l2_normalize';
import { lossEntry } from './loss_entry';

export const SUP_CON_OPTIONS = {
  temperature: {
    default: 0.1,
    type: 'number',
    min: 0,
    exclusiveMin: true,
    source: "pytorch-metric-learning's SupConLoss default (tau 0.1)",
  },
} as const satisfies OptionSchema;

export class SupConLoss implements MetricLoss {
  readonly name = 'sup_con';
  readonly trainableVariables: tf.Variable[] = [];
  readonly temperature: number;

  constructor(o: { temperature?: number } = {}) {
    this.temperature = o.temperature ?? SUP_CON_OPTIONS.temperature.default;
    if (!(this.temperature > 0)) throw new Error(`SupConLoss: temperature must be > 0, got ${this.temperature}`);
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const [b] = assertRank2(embeddings, 'embeddings', 'SupConLoss');
    if (labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== b) {
      throw new Error(`SupConLoss: labels must be int32 [${b}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const xn = l2Normalize(embeddings);
      const s = tf.div(tf.matMul(xn, tf.transpose(xn)), this.temperature); // [B, B]
      const eye = tf.eye(b);
      const same = tf.cast(tf.equal(tf.reshape(labels, [b, 1]), tf.reshape(labels, [1, b])), 'float32'); // [B, B]
      const posMask = tf.sub(same, eye); // [B, B]
      const lse = tf.logSumExp(tf.sub(s, tf.mul(eye, 1e9)), 1, true); // [B, 1] over a != i
      const logProb = tf.sub(s, lse); // [B, B]
      const nPos = tf.sum(posMask, 1); // [B]
      const has = tf.cast(tf.greater(nPos, 0), 'float32'); // [B]
      const meanPos = tf.div(tf.sum(tf.mul(logProb, posMask), 1), tf.maximum(nPos, 1)); // [B]
      return tf.neg(tf.div(tf.sum(tf.mul(meanPos, has)), tf.maximum(tf.sum(has), 1))) as tf.Scalar;
    });
  }

  dispose(): void {
    /* no variables */
  }
}

/** The registry entry (lib/losses/registry.ts). */
export const SUP_CON = lossEntry({
  title: 'Supervised Contrastive',
  reference: "Khosla et al., NeurIPS 2020, Eq. 2 (L_out), as pytorch-metric-learning's SupConLoss",
  options: SUP_CON_OPTIONS,
  create: (_context, o) => new SupConLoss(o),
});
