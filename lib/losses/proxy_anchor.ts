/**
 * Proxy-Anchor loss (Kim et al., CVPR 2020, Eq. 4; official repo `code/losses.py` `Proxy_Anchor`,
 * and SEE's `SEEProxyAnchor.proxy_loss`):
 *   pos = 1/|P+| sum_{c in P+} log(1 + sum_{i: y_i = c} exp(-alpha (cos_ic - mrg)))
 *   neg = 1/C    sum_{c}       log(1 + sum_{i: y_i != c} exp( alpha (cos_ic + mrg)))
 * Computed by proxyAnchorOfRawRows (fused_proxy_anchor.ts: block by block on the wasm heap, the
 * normalisation inside) on wasm and by proxyAnchorNormalized (proxy_anchor_plain.ts: plain tensor
 * operations) elsewhere.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { assertRank2, readLabels } from '../method/validation';
import { proxyAnchorOfRawRows } from './fused_proxy_anchor';
import { lossEntry } from './loss_entry';
import { kaimingNormalFanOut, uniqueName } from './proxy_init';

/** Proxy-Anchor's options (also those of SEE's two Proxy-Anchor terms): defaults and their sources. */
export const PROXY_ANCHOR_OPTIONS = {
  margin: {
    default: 0.1,
    type: 'number',
    min: 0,
    source: 'Proxy-Anchor paper (delta 0.1); the official SEEProxyAnchor default (--mrg is never passed)',
  },
  alpha: { default: 32, type: 'number', min: 0, exclusiveMin: true, source: 'Proxy-Anchor paper (alpha 32); official constructor default' },
} as const satisfies OptionSchema;

export interface ProxyAnchorOptions {
  margin?: number; // mrg, default 0.1
  alpha?: number; // scale, default 32
}

/** PA of raw embeddings [N, D] and raw proxies [C, D]. */
export function proxyAnchorLoss(
  embeddings: tf.Tensor2D,
  labels: tf.Tensor1D,
  proxies: tf.Tensor2D,
  options: ProxyAnchorOptions = {},
): tf.Scalar {
  const where = 'proxyAnchorLoss';
  const [n, d] = assertRank2(embeddings, 'embeddings', where);
  const [c, pd] = assertRank2(proxies, 'proxies', where);
  if (d !== pd) throw new Error(`${where}: embeddings have dimension ${d}, proxies ${pd}`);
  if (n === 0) throw new Error(`${where}: empty batch`);
  const lab = readLabels(labels, n, c, where);
  return tf.tidy(() =>
    proxyAnchorOfRawRows(
      embeddings,
      lab,
      proxies,
      options.margin ?? PROXY_ANCHOR_OPTIONS.margin.default,
      options.alpha ?? PROXY_ANCHOR_OPTIONS.alpha.default,
    ),
  );
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
    this.margin = config.margin ?? PROXY_ANCHOR_OPTIONS.margin.default;
    this.alpha = config.alpha ?? PROXY_ANCHOR_OPTIONS.alpha.default;
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

/** The registry entry (lib/losses/registry.ts). */
export const PROXY_ANCHOR = lossEntry({
  title: 'Proxy-Anchor',
  reference: 'Kim et al., CVPR 2020, Eq. 4; official SEE losses.Proxy_Anchor (--loss PA)',
  paperMethod: 'PA',
  options: PROXY_ANCHOR_OPTIONS,
  create: (context, o) => new ProxyAnchorLoss({ ...context, ...o }),
});
