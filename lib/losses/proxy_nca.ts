/**
 * ProxyNCA (Movshovitz-Attias et al., ICCV 2017; SEE official `losses.PNCALoss_Angle`) and
 * ProxyNCA++ (Teh et al., ECCV 2020). With X = s x/|x|, P = s p/|p| and D_ic = |X_i - P_c|^2:
 *   ProxyNCA:   -log( exp(-D_iy) / sum_{c != y} exp(-D_ic) ), s = 32 by default;
 *   ProxyNCA++: -log( exp(-D_iy / T) / sum_{c} exp(-D_ic / T) ), s = 1, T = 1/9 by default.
 * Averaged over the batch; proxies Kaiming normal (fan_out).
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { assertRank2, readLabels } from '../method/validation';
import { crossEntropy, oneHotFloat } from './cross_entropy';
import { l2Normalize } from './l2_normalize';
import { lossEntry } from './loss_entry';
import type { ProxyLossConfig } from './proxy_anchor';
import { kaimingNormalFanOut, uniqueName } from './proxy_init';

export const PROXY_NCA_OPTIONS = {
  scale: {
    default: 32,
    type: 'number',
    min: 0,
    exclusiveMin: true,
    source: "the kit's choice (the scale of the official proxy losses); not checked against the official PNCALoss_Angle",
  },
  temperature: {
    default: 1,
    type: 'number',
    min: 0,
    exclusiveMin: true,
    source: 'ProxyNCA (Movshovitz-Attias et al., ICCV 2017): no temperature',
  },
} as const satisfies OptionSchema;

export const PROXY_NCA_PP_OPTIONS = {
  scale: {
    default: 1,
    type: 'number',
    min: 0,
    exclusiveMin: true,
    source: 'ProxyNCA++ (Teh et al., ECCV 2020): unit embeddings and proxies, the temperature scales',
  },
  temperature: { default: 1 / 9, type: 'number', min: 0, exclusiveMin: true, source: 'ProxyNCA++ (Teh et al., ECCV 2020): T = 1/9' },
} as const satisfies OptionSchema;

export interface ProxyNcaOptions {
  /** 'nca' (default) or 'plusplus' (softmax over all proxies with a temperature) */
  variant?: 'nca' | 'plusplus';
  scale?: number;
  temperature?: number;
}

export class ProxyNcaLoss implements MetricLoss {
  readonly name: string;
  readonly proxies: tf.Variable<tf.Rank.R2>;
  readonly variant: 'nca' | 'plusplus';
  readonly scale: number;
  readonly temperature: number;

  constructor(config: ProxyLossConfig & ProxyNcaOptions) {
    this.variant = config.variant ?? 'nca';
    this.name = this.variant === 'nca' ? 'proxy_nca' : 'proxy_nca_pp';
    const defaults = this.variant === 'nca' ? PROXY_NCA_OPTIONS : PROXY_NCA_PP_OPTIONS;
    this.scale = config.scale ?? defaults.scale.default;
    this.temperature = config.temperature ?? defaults.temperature.default;
    if (!(this.temperature > 0)) throw new Error(`ProxyNcaLoss: temperature must be > 0, got ${this.temperature}`);
    if (this.variant === 'nca' && config.numClasses < 2) throw new Error('ProxyNcaLoss: ProxyNCA needs at least 2 classes');
    this.proxies = kaimingNormalFanOut(config.numClasses, config.embeddingDim, config.seed ?? 0, uniqueName('pnca_proxies'));
  }

  get trainableVariables(): tf.Variable[] {
    return [this.proxies];
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const [b] = assertRank2(embeddings, 'embeddings', 'ProxyNcaLoss');
    const c = this.proxies.shape[0];
    readLabels(labels, b, c, 'ProxyNcaLoss');
    return tf.tidy(() => {
      const cos = tf.matMul(l2Normalize(embeddings), tf.transpose(l2Normalize(this.proxies))); // [B, C]
      const dist = tf.mul(tf.sub(1, cos), 2 * this.scale * this.scale); // [B, C] |X - P|^2
      const logits = tf.div(tf.neg(dist), this.temperature) as tf.Tensor2D; // [B, C]
      if (this.variant === 'plusplus') return crossEntropy(logits, labels);
      const oneHot = oneHotFloat(labels, c); // [B, C]
      const pos = tf.sum(tf.mul(dist, oneHot), 1); // [B]
      const negLse = tf.logSumExp(tf.sub(logits, tf.mul(oneHot, 1e9)), 1); // [B] over c != y
      return tf.mean(tf.add(pos, negLse)) as tf.Scalar;
    });
  }

  dispose(): void {
    this.proxies.dispose();
  }
}

/** The registry entries (lib/losses/registry.ts). */
export const PROXY_NCA = lossEntry({
  title: 'ProxyNCA',
  reference: 'Movshovitz-Attias et al., ICCV 2017; official SEE losses.PNCALoss_Angle',
  options: PROXY_NCA_OPTIONS,
  create: (context, o) => new ProxyNcaLoss({ ...context, ...o, variant: 'nca' }),
});

export const PROXY_NCA_PP = lossEntry({
  title: 'ProxyNCA++',
  reference: 'Teh et al., ECCV 2020 (softmax over every proxy with a temperature)',
  paperMethod: 'ProxyNCA++',
  options: PROXY_NCA_PP_OPTIONS,
  create: (context, o) => new ProxyNcaLoss({ ...context, ...o, variant: 'plusplus' }),
});
