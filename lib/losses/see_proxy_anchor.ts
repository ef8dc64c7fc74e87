/**
 * SEE Proxy-Anchor (Le & Woo, PAKDD 2024; official `losses.SEEProxyAnchor`):
 *   total = PA(x, y, P) + lambda * PA(expansions, expansion labels, P)
 * The expansions are constants (the official `.detach()`): the second term trains the proxies
 * only. With nothing expanded the second term is 0. The threshold follows the official schedule
 * once `setEpoch` is called; before that it is `threshold` as given.
 *
 * The training step uses the class's two-part form (`batchTerm` inside the gradient tape, then
 * `deferredTerm`), which reads the embeddings back asynchronously after the tape: the expansion
 * needs them on the CPU, and WebGPU cannot read synchronously. The second term trains only the
 * proxies, so adding its proxy gradient to the tape's gives the gradient of the whole loss.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { constantExpansion, expandFromHost, readExpansionInputs, type ExpansionResult } from '../method/fast/expansion';
import { SeededRandom } from '../random';
import { expansionThreshold, type SelectionPlan, type ThresholdSettings } from '../method/schedule';
import { assertRank2, readLabels } from '../method/validation';
import { lossEntry } from './loss_entry';
import { PROXY_ANCHOR_OPTIONS, type ProxyLossConfig } from './proxy_anchor';
import { proxyAnchorOfRawRows } from './fused_proxy_anchor';
import { kaimingNormalFanOut, uniqueName } from './proxy_init';

/** SEE's options, flat (the schedule's three values included): defaults and their sources. */
export const SEE_OPTIONS = {
  n: { default: 16, type: 'integer', min: 1, source: 'official train.py default --n-expan 16 (the De^128 scripts use 8)' },
  lambda: { default: 0.2, type: 'number', min: 0, source: 'official train.py --lambd (default and every script)' },
  margin: PROXY_ANCHOR_OPTIONS.margin,
  alpha: PROXY_ANCHOR_OPTIONS.alpha,
  plan: { default: 1, type: [0, 1], source: 'official --type 1 (default and every script): a fraction of the batch expands' },
  maxThresh: { default: 0.4, type: 'number', source: 'official --max-thresh 0.4 (default and every script)' },
  minThresh: { default: 0, type: 'number', source: 'official De^128 scripts --min-thresh 0.0 (train.py default 0.04)' },
  lowerBound: { default: 0, type: 'number', source: 'official --lower-bound default 0.0 (plan 0 only)' },
  coefficients: {
    default: 'simplex',
    type: ['simplex', 'random'],
    source: 'official --random False: simplex coefficients; "random" is the random_sum_zero ablation',
  },
} as const satisfies OptionSchema;

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
export function seeProxyAnchorLoss(
  x: tf.Tensor2D,
  labels: tf.Tensor1D,
  proxies: tf.Variable<tf.Rank.R2> | tf.Tensor2D,
  o: {
    n: number;
    lambda: number;
    margin: number;
    alpha: number;
    plan: SelectionPlan;
    threshold: number;
    coefficients?: 'simplex' | 'random';
    noise?: tf.Tensor3D;
    random?: SeededRandom;
  },
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
    const batchLoss = proxyAnchorOfRawRows(x, lab, proxies as tf.Tensor2D, o.margin, o.alpha);
    // points are unit vectors already; normalising again matches the official l2_norm call
    const augLoss =
      e.pointLabels.length === 0
        ? tf.scalar(0)
        : proxyAnchorOfRawRows(points, e.pointLabels, proxies as tf.Tensor2D, o.margin, o.alpha, true);
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
  /** what batchTerm keeps for deferredTerm: the embeddings (a detached copy) and host labels */
  private pending: { x: tf.Tensor2D; labels: Int32Array } | undefined;

  constructor(config: ProxyLossConfig & SeeOptions) {
    const seed = config.seed ?? 0;
    this.n = config.n ?? SEE_OPTIONS.n.default;
    if (config.embeddingDim < this.n + 2) {
      throw new Error(`SeeProxyAnchorLoss: embedding dimension ${config.embeddingDim} is smaller than n+2=${this.n + 2} (n=${this.n})`);
    }
    this.proxies = kaimingNormalFanOut(config.numClasses, config.embeddingDim, seed, uniqueName('see_proxies'));
    this.lambda = config.lambda ?? SEE_OPTIONS.lambda.default;
    this.margin = config.margin ?? SEE_OPTIONS.margin.default;
    this.alpha = config.alpha ?? SEE_OPTIONS.alpha.default;
    this.plan = config.plan ?? SEE_OPTIONS.plan.default;
    this.schedule = config.schedule ?? {
      maxThresh: SEE_OPTIONS.maxThresh.default,
      minThresh: SEE_OPTIONS.minThresh.default,
      lowerBound: SEE_OPTIONS.lowerBound.default,
    };
    this.coefficients = config.coefficients ?? SEE_OPTIONS.coefficients.default;
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

  /**
   * The last step for the log: the official aug_rate = (n_expanded_total - n_orig) / n_orig =
   * synthetic points / batch size, the anchors expanded and the threshold.
   */
  lastStats(): Record<string, number> {
    const s = this.lastStep;
    if (!s) return {};
    return { expansionRate: s.numSynthetic / s.selected.length, numExpanded: s.numExpanded, threshold: s.threshold };
  }

  private expansionOptions() {
    return { n: this.n, plan: this.plan, threshold: this.threshold, coefficients: this.coefficients, random: this.random };
  }

  /**
   * The two terms of this step's loss, for diagnostics (a non-finite step's message): total =
   * batch term + lambda x synthetic term, read asynchronously. Draws like a training step (the
   * caller saves and restores the random state around it).
   */
  async terms(embeddings: tf.Tensor2D, labels: tf.Tensor1D): Promise<Record<string, number>> {
    const batch = this.batchTerm(embeddings, labels);
    try {
      const e = await this.expandPending();
      const synthetic = tf.tidy(() => this.syntheticTerm(e.points, e.pointLabels));
      tf.dispose([e.points, e.labels]);
      try {
        return {
          'Proxy-Anchor on the batch': (await batch.data())[0],
          [`Proxy-Anchor on the synthetic points (x lambda ${this.lambda})`]: (await synthetic.data())[0],
        };
      } finally {
        synthetic.dispose();
      }
    } finally {
      batch.dispose();
    }
  }

  private recordStep(e: { selected: boolean[]; expanded: boolean[] }): void {
    const numExpanded = e.expanded.filter(Boolean).length;
    this.lastStep = {
      threshold: this.threshold,
      selected: e.selected,
      expanded: e.expanded,
      numExpanded,
      numSynthetic: numExpanded * this.n,
    };
  }

  /** The whole loss in one synchronous call (reads the embeddings synchronously: cpu, wasm). */
  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const r = seeProxyAnchorLoss(embeddings, labels, this.proxies, {
      ...this.expansionOptions(),
      lambda: this.lambda,
      margin: this.margin,
      alpha: this.alpha,
    });
    r.batchLoss.dispose();
    r.augLoss.dispose();
    this.recordStep(r.expansion);
    return r.loss;
  }

  /** PA of the batch, inside the tape; keeps the embeddings for deferredTerm. */
  batchTerm(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const where = 'SeeProxyAnchorLoss.batchTerm';
    const [b] = assertRank2(embeddings, 'embeddings', where);
    const lab = readLabels(labels, b, this.proxies.shape[0], where);
    this.pending?.x.dispose();
    this.pending = { x: tf.keep(tf.clone(embeddings)), labels: lab };
    return tf.tidy(() => proxyAnchorOfRawRows(embeddings, lab, this.proxies, this.margin, this.alpha));
  }

  /**
   * lambda * PA of the expansion of the embeddings batchTerm kept (read asynchronously), and its
   * gradient with respect to the proxies (the points are constants).
   */
  async deferredTerm(): Promise<{ value: tf.Scalar; grads: tf.NamedTensorMap }> {
    const e = await this.expandPending();
    try {
      if (e.pointLabels.length === 0) return { value: tf.scalar(0), grads: {} };
      return tf.variableGrads(() => tf.tidy(() => tf.mul(this.syntheticTerm(e.points, e.pointLabels), this.lambda)), [this.proxies]);
    } finally {
      tf.dispose([e.points, e.labels]);
    }
  }

  /** Expands the embeddings batchTerm kept (read asynchronously) and records the step. */
  private async expandPending(): Promise<ExpansionResult> {
    const pending = this.pending;
    if (!pending) throw new Error('SeeProxyAnchorLoss: call batchTerm first (once per step)');
    this.pending = undefined;
    let inputs;
    try {
      inputs = await readExpansionInputs(pending.x, pending.labels, this.proxies, this.expansionOptions());
    } finally {
      pending.x.dispose();
    }
    const e = expandFromHost(inputs, this.expansionOptions());
    this.recordStep(e);
    return e;
  }

  /** PA of the synthetic points (constants) against the proxies (fused on wasm); 0 when nothing was expanded. */
  private syntheticTerm(points: tf.Tensor2D, pointLabels: Int32Array): tf.Scalar {
    if (pointLabels.length === 0) return tf.scalar(0);
    return proxyAnchorOfRawRows(points, pointLabels, this.proxies, this.margin, this.alpha, true);
  }

  dispose(): void {
    this.pending?.x.dispose();
    this.proxies.dispose();
  }
}

/** The registry entry (lib/losses/registry.ts). */
export const SEE_PROXY_ANCHOR = lossEntry({
  title: 'SEE Proxy-Anchor',
  reference: 'Le & Woo, PAKDD 2024; official SEE losses.SEEProxyAnchor (--loss seeproxy)',
  paperMethod: 'SEE',
  options: SEE_OPTIONS,
  create: (context, o) =>
    new SeeProxyAnchorLoss({
      ...context,
      n: o.n,
      lambda: o.lambda,
      margin: o.margin,
      alpha: o.alpha,
      plan: o.plan,
      coefficients: o.coefficients,
      schedule: { maxThresh: o.maxThresh, minThresh: o.minThresh, lowerBound: o.lowerBound },
    }),
});
