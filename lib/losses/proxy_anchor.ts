/**
 * Proxy-Anchor loss (Kim et al., CVPR 2020, Eq. 4; official repo `code/losses.py` `Proxy_Anchor`,
 * and SEE's `SEEProxyAnchor.proxy_loss`):
 *   pos = 1/|P+| sum_{c in P+} log(1 + sum_{i: y_i = c} exp(-alpha (cos_ic - mrg)))
 *   neg = 1/C    sum_{c}       log(1 + sum_{i: y_i != c} exp( alpha (cos_ic + mrg)))
 * The positive part needs only cos(x_i, p_{y_i}) ([B] values); the negative part is one
 * [B, C] fused matmul, exp and masked column sum.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import { assertRank2, readLabels } from '../method/validation';
import { l2Normalize } from './l2_normalize';
import { kaimingNormalFanOut, uniqueName } from './proxy_init';

export interface ProxyAnchorOptions {
  margin?: number; // mrg, default 0.1
  alpha?: number; // scale, default 32
}

/** PA on already-normalised rows: xn [N, D] unit, pn [C, D] unit, labels known on the CPU. */
export function proxyAnchorNormalized(xn: tf.Tensor2D, labels: Int32Array, pn: tf.Tensor2D,
  margin = 0.1, alpha = 32): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = pn.shape[0];
    const classes = Array.from(new Set(labels)).sort((a, b) => a - b);
    const local = new Map(classes.map((c, k) => [c, k]));
    const oneHot = new Float32Array(labels.length * classes.length); // [N, U]
    labels.forEach((c, i) => { oneHot[i * classes.length + local.get(c)!] = 1; });
    const lab = tf.tensor1d(labels, 'int32');
    const posCos = tf.sum(tf.mul(xn, tf.gather(pn, lab)), 1, true); // [N, 1]
    const posExp = tf.exp(tf.mul(tf.sub(posCos, margin), -alpha)); // [N, 1]
    const posSum = tf.matMul(posExp, tf.tensor2d(oneHot, [labels.length, classes.length]), true, false); // [1, U]
    const pos = tf.div(tf.sum(tf.log1p(posSum)), classes.length);
    const logits = tf.fused.matMul({ a: tf.mul(xn, alpha), b: pn, transposeB: true, bias: tf.fill([numClasses], alpha * margin) }); // [N, C]
    // int32 then cast: tfjs-backend-wasm 4.22's OneHot ignores a float32 dtype (writes zeros)
    const negMask = tf.cast(tf.oneHot(lab, numClasses, 0, 1), 'float32'); // [N, C]
    const negSum = tf.sum(tf.mul(tf.exp(logits), negMask), 0); // [C]
    const neg = tf.div(tf.sum(tf.log1p(negSum)), numClasses);
    return tf.add(pos, neg) as tf.Scalar;
  });
}

/** PA of raw embeddings [N, D] and raw proxies [C, D]. */
export function proxyAnchorLoss(embeddings: tf.Tensor2D, labels: tf.Tensor1D, proxies: tf.Tensor2D,
  options: ProxyAnchorOptions = {}): tf.Scalar {
  const where = 'proxyAnchorLoss';
  const [n, d] = assertRank2(embeddings, 'embeddings', where);
  const [c, pd] = assertRank2(proxies, 'proxies', where);
  if (d !== pd) throw new Error(`${where}: embeddings have dimension ${d}, proxies ${pd}`);
  if (n === 0) throw new Error(`${where}: empty batch`);
  const lab = readLabels(labels, n, c, where);
  return tf.tidy(() => proxyAnchorNormalized(l2Normalize(embeddings), lab, l2Normalize(proxies),
    options.margin ?? 0.1, options.alpha ?? 32));
}

export interface ProxyLossConfig {
  numClasses: number;
  embeddingDim: number;
  /** seed of the proxy initialisation */
  seed?: number;
}

/** Proxy-Anchor with its own proxies [C, D] (Kaiming normal, fan_out). */
export class ProxyAnchorLoss implements MetricLoss {
  readonly name = 'proxy_anchor';
  readonly proxies: tf.Variable<tf.Rank.R2>;
  readonly margin: number;
  readonly alpha: number;

  constructor(config: ProxyLossConfig & ProxyAnchorOptions) {
    this.proxies = kaimingNormalFanOut(config.numClasses, config.embeddingDim, config.seed ?? 0, uniqueName('pa_proxies'));
    this.margin = config.margin ?? 0.1;
    this.alpha = config.alpha ?? 32;
  }

  get trainableVariables(): tf.Variable[] {
    return [this.proxies];
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    return proxyAnchorLoss(embeddings, labels, this.proxies, { margin: this.margin, alpha: this.alpha });
  }

  dispose(): void {
    this.proxies.dispose();
  }
}
