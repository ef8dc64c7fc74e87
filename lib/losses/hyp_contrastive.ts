/**
 * The Hyp loss (Ermolov et al., "Hyperbolic Vision Transformers", CVPR 2022, Eq. 3; htdt/hyp_metric
 * train.py `contrastive_loss` and its training loop): a batch is P classes x m views, row p*m + v
 * being view v of class p (hyp_metric's `z.view(P, m, d)`). For every ordered pair of views (i, j),
 * i != j, a cross-entropy over P rows whose logits are
 *   [ s(view i, view j) / tau,  s(view i, view i) / tau - 1e9 I ]   (P x 2P),
 * with target p for row p (its own class in view j), averaged over the rows; the loss is the sum
 * over the m(m - 1) pairs. s is minus the Poincare distance on the ball (the head's curvature
 * c > 0) or the dot product on the sphere (c = 0). tau: 0.2 hyperbolic, 0.1 sphere (hyp_metric README).
 * The curvature comes from the model's head (LossContext.geometry); the view count m from the
 * batch sampler (LossContext.mPerClass), and every batch is checked against that layout.
 */
import { tf } from '../tf';
import type { MetricLoss } from '../types';
import type { OptionSchema } from '../options';
import { hostValues } from '../backend/host_values';
import { SPHERE, similarities, type EmbeddingGeometry } from '../hyperbolic/poincare';
import { assertRank2 } from '../method/validation';
import { lossEntry } from './loss_entry';

export const HYP_CONTRASTIVE_OPTIONS = {
  tau: {
    default: 0.2,
    type: 'number',
    min: 0,
    exclusiveMin: true,
    source: 'hyp_metric train.py default --t 0.2 (hyperbolic); its README gives --t 0.1 for the sphere version (--hyp_c 0)',
  },
} as const satisfies OptionSchema;

export interface HypContrastiveOptions {
  tau?: number;
  /** where the embeddings live (the head's map); default the sphere */
  geometry?: EmbeddingGeometry;
  /** views per class m each batch must have; default: read from the first batch's labels */
  views?: number;
}

/** The view layout of a batch: P classes x m views, row p*m + v view v of class p, P distinct classes. */
export function viewLayout(labels: ArrayLike<number>, views: number | undefined, where: string): { classes: number; views: number } {
  const b = labels.length;
  let m = 1;
  if (views !== undefined) m = views;
  else while (m < b && labels[m] === labels[0]) m++;
  const layout = `P classes x m views in consecutive rows (row p*m + v is view v of class p, as hyp_metric's z.view(P, m, d))`;
  if (m < 2)
    throw new Error(
      `${where}: the batch must be ${layout} with m >= 2; its first two labels are ${labels[0]}, ${labels[1]} (m = ${m}); sample m >= 2 images per class (mPerClass)`,
    );
  if (b % m !== 0) throw new Error(`${where}: a batch of ${b} rows is not ${layout} with m = ${m}`);
  const seen = new Set<number>();
  for (let p = 0; p < b / m; p++) {
    const label = labels[p * m];
    for (let v = 1; v < m; v++) {
      if (labels[p * m + v] !== label) {
        throw new Error(
          `${where}: the batch must be ${layout} with m = ${m}; rows ${p * m}..${p * m + m - 1} have labels ${Array.from({ length: m }, (_, k) => labels[p * m + k]).join(', ')}`,
        );
      }
    }
    if (seen.has(label))
      throw new Error(
        `${where}: class ${label} fills two groups of ${m} rows (the second at row ${p * m}); the P classes of a batch must be distinct (each row's target is its own class)`,
      );
    seen.add(label);
  }
  return { classes: b / m, views: m };
}

export class HypContrastiveLoss implements MetricLoss {
  readonly name = 'hyp_contrastive';
  readonly trainableVariables: tf.Variable[] = [];
  readonly tau: number;
  readonly geometry: EmbeddingGeometry;
  readonly views?: number;

  constructor(o: HypContrastiveOptions = {}) {
    this.tau = o.tau ?? HYP_CONTRASTIVE_OPTIONS.tau.default;
    this.geometry = o.geometry ?? SPHERE;
    this.views = o.views;
    if (!(this.tau > 0)) throw new Error(`HypContrastiveLoss: tau must be > 0, got ${this.tau}`);
    if (this.views !== undefined && !(Number.isInteger(this.views) && this.views >= 2)) {
      throw new Error(`HypContrastiveLoss: needs at least 2 views (images) per class in a batch, got mPerClass = ${this.views}`);
    }
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const [b] = assertRank2(embeddings, 'embeddings', 'HypContrastiveLoss');
    if (labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== b) {
      throw new Error(`HypContrastiveLoss: labels must be int32 [${b}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
    }
    const { classes: p, views: m } = viewLayout(hostValues(labels, 'HypContrastiveLoss'), this.views, 'HypContrastiveLoss');
    return tf.tidy(() => {
      const s = tf.div(similarities(embeddings, embeddings, this.geometry), this.tau); // [B, B]
      const byView = tf.reshape(s, [p, m, p, m]); // [P, m, P, m]: row class, row view, column class, column view
      const block = (i: number, j: number): tf.Tensor2D => tf.reshape(tf.slice(byView, [0, i, 0, j], [p, 1, p, 1]), [p, p]); // [P, P]
      const eye = tf.eye(p); // [P, P]
      const terms: tf.Scalar[] = [];
      for (let i = 0; i < m; i++) {
        const self = tf.sub(block(i, i), tf.mul(eye, 1e9)); // [P, P] own view, the diagonal masked
        for (let j = 0; j < m; j++) {
          if (j === i) continue;
          const cross = block(i, j); // [P, P]
          const logits = tf.concat([cross, self], 1); // [P, 2P]
          const target = tf.sum(tf.mul(cross, eye), 1); // [P] logit of the own class in view j
          terms.push(tf.mean(tf.sub(tf.logSumExp(logits, 1), target)) as tf.Scalar); // cross-entropy, mean over rows
        }
      }
      return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
    });
  }

  dispose(): void {
    /* no variables */
  }
}

/** The registry entry (lib/losses/registry.ts). */
export const HYP_CONTRASTIVE = lossEntry({
  title: 'Hyp pairwise cross-entropy over views',
  reference: 'Ermolov et al., CVPR 2022 (Hyperbolic Vision Transformers), Eq. 3; htdt/hyp_metric train.py contrastive_loss',
  paperMethod: 'Hyp',
  options: HYP_CONTRASTIVE_OPTIONS,
  create: (context, o) => new HypContrastiveLoss({ tau: o.tau, geometry: context.geometry, views: context.mPerClass }),
});
