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

/**
 * PA on already-normalised rows: xn [N, D] unit, pn [C, D] unit, labels known on the CPU.
 * A custom gradient: dL/dcos_ic = alpha/C * E_ic / (1 + S_c) on negatives and
 * -alpha/|P+| * e_i / (1 + P_{y_i}) at (i, y_i), applied with untransposed matmuls only
 * (tfjs-backend-wasm's transposed matmuls are about ten times slower); the per-class factor is
 * applied to [C, D] operands, so the [N, C] matrix is touched by matmuls and three elementwise ops.
 */
export function proxyAnchorNormalized(xn: tf.Tensor2D, labels: Int32Array, pn: tf.Tensor2D,
  margin = 0.1, alpha = 32): tf.Scalar {
  const numClasses = pn.shape[0];
  const n = labels.length;
  const classes = Array.from(new Set(labels)).sort((a, b) => a - b);
  const u = classes.length;
  const local = new Map(classes.map((c, k) => [c, k]));
  const oneHot = new Float32Array(n * u); // [N, U]
  labels.forEach((c, i) => { oneHot[i * u + local.get(c)!] = 1; });
  const dim = pn.shape[1] as number;
  const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor2D;
    const p = args[1] as tf.Tensor2D;
    const save = args[2] as tf.GradSaveFunc;
    const lab = tf.tensor1d(labels, 'int32');
    const local1h = tf.tensor2d(oneHot, [n, u]);
    const logits = tf.fused.matMul({ a: tf.mul(x, alpha), b: tf.transpose(p), bias: tf.fill([numClasses], alpha * margin) }); // [N, C]
    // positives (i, y_i) set to -1e30 so exp gives 0: one copy of [N, C] instead of a one-hot mask and a product
    const posIdx = new Int32Array(2 * n);
    labels.forEach((c, i) => { posIdx[2 * i] = i; posIdx[2 * i + 1] = c; });
    const masked = tf.tensorScatterUpdate(logits, tf.tensor2d(posIdx, [n, 2], 'int32'), tf.fill([n], -1e30)); // [N, C]
    const e = tf.exp(masked); // [N, C] exp(alpha (cos + mrg)) on negatives, 0 on positives
    const negSum = tf.reshape(tf.matMul(tf.ones([1, n]), e), [numClasses]); // [C] column sums (a matmul: far faster than sum on wasm)
    const neg = tf.div(tf.sum(tf.log1p(negSum)), numClasses);
    const py = tf.gather(p, lab); // [N, D]
    const posExp = tf.exp(tf.mul(tf.sub(tf.sum(tf.mul(x, py), 1), margin), -alpha)); // [N]
    const posSum = tf.matMul(tf.reshape(posExp, [1, n]), local1h); // [1, U]
    const pos = tf.div(tf.sum(tf.log1p(posSum)), u);
    save([x, p, e, negSum, posExp, posSum, py, lab, local1h]);
    return {
      value: tf.add(pos, neg) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sp, se, sNeg, sPosExp, sPosSum, spy, slab, s1h] = saved;
        // dL/dcos on negatives is E_ic * colCoef_c; colCoef is folded into the small factors, not the [N, C] matrix
        const colCoef = tf.reshape(tf.div(tf.mul(dy, alpha / numClasses), tf.add(sNeg, 1)), [numClasses, 1]); // [C, 1]
        const perSample = tf.reshape(tf.matMul(s1h, tf.reshape(sPosSum, [u, 1])), [n]); // [N] P_{y_i}
        const rowCoef = tf.reshape(tf.div(tf.mul(sPosExp, tf.mul(dy, -alpha / u)), tf.add(perSample, 1)), [n, 1]); // [N, 1]
        const dx = tf.add(tf.matMul(se, tf.mul(sp, colCoef)), tf.mul(rowCoef, spy)); // [N, D]
        const dpNeg = tf.mul(tf.transpose(tf.matMul(tf.transpose(sx), se)), colCoef); // [C, D]
        const dpPos = tf.scatterND(tf.reshape(slab, [n, 1]), tf.mul(rowCoef, sx), [numClasses, dim]); // [C, D]
        return [dx, tf.add(dpNeg, dpPos)];
      },
    };
  });
  return core(xn, pn) as tf.Scalar;
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
