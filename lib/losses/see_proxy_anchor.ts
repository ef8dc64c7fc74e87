/**
 * SEE Proxy-Anchor (Le & Woo, PAKDD 2024; official `losses.SEEProxyAnchor`):
 *   total = PA(x, y, P) + lambda * PA(expansions, expansion labels, P)
 * The expansions are constants (the official `.detach()`): the second term trains the proxies
 * only. With nothing expanded the second term is 0. The threshold follows the official schedule
 * once `setEpoch` is called; before that it is `threshold` as given.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import { constantExpansion, type ExpansionResult } from '../method/expansion';
import { SeededRandom } from '../method/random';
import { expansionThreshold, type SelectionPlan, type ThresholdSettings } from '../method/schedule';
import { assertRank2, readLabels } from '../method/validation';
import { l2Normalize } from './l2_normalize';
import { proxyAnchorNormalized, type ProxyLossConfig } from './proxy_anchor';
import { syntheticProxyAnchor } from './synthetic_proxy_anchor';
import { kaimingNormalFanOut, uniqueName } from './proxy_init';

export interface SeeOptions {
  n?: number; // expansions per sample, default 16
  lambda?: number; // weight of the expansion loss, default 0.2 (official train.py --lambd)
  margin?: number; // default 0.1
  alpha?: number; // default 32
  plan?: SelectionPlan; // default 1
  /** initial threshold (plan 0: cosine, plan 1: fraction); default 0 */
  threshold?: number;
  schedule?: ThresholdSettings; // default max 0.4, min 0.0, lower bound 0.0
  coefficients?: 'simplex' | 'random';
  /** seed of the expansion draws (default: seed + 1) */
  expansionSeed?: number;
}

/** what the last compute() expanded, for logs and notebooks */
export interface SeeStepInfo {
  threshold: number;
  selected: boolean[];
  expanded: boolean[];
  numExpanded: number;
  numSynthetic: number;
}

/** SEE Proxy-Anchor on the batch and its expansions. x [B, D] raw, P [C, D] raw, noise optional. */
export function seeProxyAnchorLoss(x: tf.Tensor2D, labels: tf.Tensor1D, proxies: tf.Variable<tf.Rank.R2> | tf.Tensor2D,
  o: { n: number; lambda: number; margin: number; alpha: number; plan: SelectionPlan; threshold: number;
    coefficients?: 'simplex' | 'random'; noise?: tf.Tensor3D; random?: SeededRandom },
): { loss: tf.Scalar; batchLoss: tf.Scalar; augLoss: tf.Scalar; expansion: Omit<ExpansionResult, 'points' | 'labels'> } {
  const where = 'seeProxyAnchorLoss';
  const [b] = assertRank2(x, 'embeddings', where);
  const [c] = assertRank2(proxies, 'proxies', where);
  const lab = readLabels(labels, b, c, where);
  let info: Omit<ExpansionResult, 'points' | 'labels'> | undefined;
  const out = tf.tidy(() => {
    const e = constantExpansion(x, labels, proxies, o);
    const { points, labels: _l, ...rest } = e;
    info = rest;
    const pn = l2Normalize(proxies as tf.Tensor2D); // [C, D]
    const batchLoss = proxyAnchorNormalized(l2Normalize(x), lab, pn, o.margin, o.alpha);
    // points are unit vectors already; normalising again matches the official l2_norm call
    const augLoss = e.pointLabels.length === 0 ? tf.scalar(0)
      : syntheticProxyAnchor(l2Normalize(points), e.pointLabels, pn, o.margin, o.alpha);
    const loss = tf.add(batchLoss, tf.mul(augLoss, o.lambda)) as tf.Scalar;
    return { loss, batchLoss, augLoss };
  });
  return { ...out, expansion: info! };
}

/** SEE Proxy-Anchor with its own proxies (Kaiming normal, fan_out) and seeded expansion draws. */
export class SeeProxyAnchorLoss implements MetricLoss {
  readonly name = 'see_proxy_anchor';
  readonly proxies: tf.Variable<tf.Rank.R2>;
  readonly n: number;
  readonly lambda: number;
  readonly margin: number;
  readonly alpha: number;
  readonly plan: SelectionPlan;
  readonly schedule: ThresholdSettings;
  readonly coefficients: 'simplex' | 'random';
  threshold: number;
  lastStep: SeeStepInfo | undefined;
  private readonly random: SeededRandom;

  constructor(config: ProxyLossConfig & SeeOptions) {
    const seed = config.seed ?? 0;
    this.n = config.n ?? 16;
    if (config.embeddingDim < this.n + 2) {
      throw new Error(`SeeProxyAnchorLoss: embedding dimension ${config.embeddingDim} is smaller than n+2=${this.n + 2} (n=${this.n})`);
    }
    this.proxies = kaimingNormalFanOut(config.numClasses, config.embeddingDim, seed, uniqueName('see_proxies'));
    this.lambda = config.lambda ?? 0.2;
    this.margin = config.margin ?? 0.1;
    this.alpha = config.alpha ?? 32;
    this.plan = config.plan ?? 1;
    this.schedule = config.schedule ?? { maxThresh: 0.4, minThresh: 0.0, lowerBound: 0.0 };
    this.coefficients = config.coefficients ?? 'simplex';
    this.threshold = config.threshold ?? 0;
    this.random = new SeededRandom(config.expansionSeed ?? seed + 1);
  }

  get trainableVariables(): tf.Variable[] {
    return [this.proxies];
  }

  /** the expansion's random state, saved in checkpoints so a resumed run draws the same noise */
  getRandomState(): number[] {
    return this.random.getState();
  }

  setRandomState(state: number[]): void {
    this.random.setState(state);
  }

  /** the official `update_threshold(epoch, epochs)`, once per epoch */
  setEpoch(epoch: number, epochs: number): number {
    this.threshold = expansionThreshold(this.plan, epoch, epochs, this.schedule);
    return this.threshold;
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const r = seeProxyAnchorLoss(embeddings, labels, this.proxies, {
      n: this.n, lambda: this.lambda, margin: this.margin, alpha: this.alpha, plan: this.plan,
      threshold: this.threshold, coefficients: this.coefficients, random: this.random,
    });
    r.batchLoss.dispose();
    r.augLoss.dispose();
    const e = r.expansion;
    const numExpanded = e.expanded.filter(Boolean).length;
    this.lastStep = { threshold: this.threshold, selected: e.selected, expanded: e.expanded,
      numExpanded, numSynthetic: numExpanded * this.n };
    return r.loss;
  }

  dispose(): void {
    this.proxies.dispose();
  }
}
