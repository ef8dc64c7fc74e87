/**
 * SoftTriple loss (Qian et al., ICCV 2019, Eq. 8-9), as pytorch-metric-learning's
 * `SoftTripleLoss` used by the SEE official `losses.SoftTripleLoss_Angle`: K centres per class,
 * cos to each centre, a softmax over a class's centres with 1/gamma, the class similarity
 * S_c = sum_k q_ck cos_ck, and cross-entropy of la * (S - margin at the true class).
 * Defaults: K 10, la 20, gamma 0.1, margin 0.01; centres [D, C*K] `kaiming_uniform_(a=sqrt(5))`.
 * The paper's optional centre regulariser is not part of the default (as in PML).
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { assertRank2, readLabels } from '../method/validation';
import { crossEntropy, oneHotFloat } from './cross_entropy';
import { l2Normalize } from './l2_normalize';
import { lossEntry } from './loss_entry';
import type { ProxyLossConfig } from './proxy_anchor';
import { kaimingUniformDefault, uniqueName } from './proxy_init';

export const SOFT_TRIPLE_OPTIONS = {
  centersPerClass: { default: 10, type: 'integer', min: 1, source: "pytorch-metric-learning's SoftTripleLoss default (centers_per_class)" },
  la: { default: 20, type: 'number', min: 0, exclusiveMin: true, source: "pytorch-metric-learning's SoftTripleLoss default (la)" },
  gamma: { default: 0.1, type: 'number', min: 0, exclusiveMin: true, source: "pytorch-metric-learning's SoftTripleLoss default (gamma)" },
  margin: { default: 0.01, type: 'number', source: "pytorch-metric-learning's SoftTripleLoss default (margin)" },
} as const satisfies OptionSchema;

export interface SoftTripleOptions {
  centersPerClass?: number;
  la?: number;
  gamma?: number;
  margin?: number;
}

export class SoftTripleLoss implements MetricLoss {
  readonly name = 'soft_triple';
  /** [D, C*K], column c*K + k is centre k of class c */
  readonly centers: tf.Variable<tf.Rank.R2>;
  readonly numClasses: number;
  readonly centersPerClass: number;
  readonly la: number;
  readonly gamma: number;
  readonly margin: number;

  constructor(config: ProxyLossConfig & SoftTripleOptions) {
    this.numClasses = config.numClasses;
    this.centersPerClass = config.centersPerClass ?? SOFT_TRIPLE_OPTIONS.centersPerClass.default;
    this.la = config.la ?? SOFT_TRIPLE_OPTIONS.la.default;
    this.gamma = config.gamma ?? SOFT_TRIPLE_OPTIONS.gamma.default;
    this.margin = config.margin ?? SOFT_TRIPLE_OPTIONS.margin.default;
    this.centers = kaimingUniformDefault(
      config.embeddingDim,
      config.numClasses * this.centersPerClass,
      config.seed ?? 0,
      uniqueName('softtriple_centers'),
    );
  }

  get trainableVariables(): tf.Variable[] {
    return [this.centers];
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const [b, d] = assertRank2(embeddings, 'embeddings', 'SoftTripleLoss');
    if (d !== this.centers.shape[0]) throw new Error(`SoftTripleLoss: embeddings have dimension ${d}, centres ${this.centers.shape[0]}`);
    readLabels(labels, b, this.numClasses, 'SoftTripleLoss');
    const c = this.numClasses;
    const k = this.centersPerClass;
    return tf.tidy(() => {
      const cn = tf.transpose(l2Normalize(tf.transpose(this.centers))); // [D, C*K] unit columns
      const sim = tf.reshape(tf.matMul(l2Normalize(embeddings), cn), [b, c, k]); // [B, C, K]
      const prob = tf.softmax(tf.div(sim, this.gamma)); // [B, C, K] over the K centres
      const simClass = tf.sum(tf.mul(prob, sim), 2); // [B, C]
      const logits = tf.mul(tf.sub(simClass, tf.mul(oneHotFloat(labels, c), this.margin)), this.la) as tf.Tensor2D;
      return crossEntropy(logits, labels);
    });
  }

  dispose(): void {
    this.centers.dispose();
  }
}

/** The registry entry (lib/losses/registry.ts). */
export const SOFT_TRIPLE = lossEntry({
  title: 'SoftTriple',
  reference: "Qian et al., ICCV 2019, Eq. 8-9; official SEE losses.SoftTripleLoss_Angle (pytorch-metric-learning's SoftTripleLoss)",
  paperMethod: 'SoftTriple',
  options: SOFT_TRIPLE_OPTIONS,
  create: (context, o) => new SoftTripleLoss({ ...context, ...o }),
});
