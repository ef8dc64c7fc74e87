/**
 * Normalized Softmax (Zhai & Wu, BMVC 2019; SEE official `losses.Norm_SoftMax`):
 * cross-entropy of alpha * cos(x, p_c), alpha = 32; proxies `kaiming_uniform_(a=sqrt(5))`.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { assertRank2, readLabels } from '../method/validation';
import { crossEntropy } from './cross_entropy';
import { l2Normalize } from './l2_normalize';
import { lossEntry } from './loss_entry';
import type { ProxyLossConfig } from './proxy_anchor';
import { kaimingUniformDefault, uniqueName } from './proxy_init';

export const NORMALIZED_SOFTMAX_OPTIONS = {
  alpha: { default: 32, type: 'number', min: 0, exclusiveMin: true, source: 'official SEE losses.Norm_SoftMax scale 32' },
} as const satisfies OptionSchema;

export class NormalizedSoftmaxLoss implements MetricLoss {
  readonly name = 'normalized_softmax';
  readonly proxies: tf.Variable<tf.Rank.R2>;
  readonly alpha: number;

  constructor(config: ProxyLossConfig & { alpha?: number }) {
    this.proxies = kaimingUniformDefault(config.numClasses, config.embeddingDim, config.seed ?? 0, uniqueName('nsm_proxies'));
    this.alpha = config.alpha ?? NORMALIZED_SOFTMAX_OPTIONS.alpha.default;
  }

  get trainableVariables(): tf.Variable[] {
    return [this.proxies];
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const [b] = assertRank2(embeddings, 'embeddings', 'NormalizedSoftmaxLoss');
    readLabels(labels, b, this.proxies.shape[0], 'NormalizedSoftmaxLoss');
    return tf.tidy(() => {
      const cos = tf.matMul(l2Normalize(embeddings), tf.transpose(l2Normalize(this.proxies))); // [B, C]
      return crossEntropy(tf.mul(cos, this.alpha) as tf.Tensor2D, labels);
    });
  }

  dispose(): void {
    this.proxies.dispose();
  }
}

/** The registry entry (lib/losses/registry.ts). */
export const NORMALIZED_SOFTMAX = lossEntry({
  title: 'Normalized Softmax',
  reference: 'Zhai & Wu, BMVC 2019; official SEE losses.Norm_SoftMax',
  paperMethod: 'NSoftmax',
  options: NORMALIZED_SOFTMAX_OPTIONS,
  create: (context, o) => new NormalizedSoftmaxLoss({ ...context, ...o }),
});
