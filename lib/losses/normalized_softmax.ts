/**
 * Normalized Softmax (Zhai & Wu, BMVC 2019; SEE official `losses.Norm_SoftMax`):
 * cross-entropy of alpha * cos(x, p_c), alpha = 32; proxies `kaiming_uniform_(a=sqrt(5))`.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import { assertRank2, readLabels } from '../method/validation';
import { crossEntropy } from './cross_entropy';
import { l2Normalize } from './l2_normalize';
import type { ProxyLossConfig } from './proxy_anchor';
import { kaimingUniformDefault, uniqueName } from './proxy_init';

export class NormalizedSoftmaxLoss implements MetricLoss {
  readonly name = 'normalized_softmax';
  readonly proxies: tf.Variable<tf.Rank.R2>;
  readonly alpha: number;

  constructor(config: ProxyLossConfig & { alpha?: number }) {
    this.proxies = kaimingUniformDefault(config.numClasses, config.embeddingDim, config.seed ?? 0, uniqueName('nsm_proxies'));
    this.alpha = config.alpha ?? 32;
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
