/**
 * The Poincare ball of curvature c as hyp_metric uses it (Ermolov et al., "Hyperbolic Vision
 * Transformers", CVPR 2022; code htdt/hyp_metric with its copy of hyptorch, `hyptorch/nn.py`
 * ToPoincare and `hyptorch/pmath.py` expmap0, project, dist_matrix): the map of a head's Linear
 * output onto the ball and the distances between ball points, with hyptorch's clamps and
 * stabilising constants, so values and gradients match the official code (test/reference/hyp.test.ts).
 *
 * Distances rewrite hyptorch's Mobius numerator so that |x - y| appears as a factor, computed
 * from the differences: equal points are exactly 0 apart and near points lose no digits to
 * cancellation (dist_matrix's own float32 sum of two nearly opposite vectors does); one [B, C, D]
 * tensor, as hyptorch's. Evaluation ranks without any [B, C, D] tensor (lib/eval/poincare_lift.ts).
 */
import { tf } from '../tf';

/** Where embeddings live: the unit sphere (cosine = dot product) or the Poincare ball of curvature c > 0. */
export type EmbeddingGeometry = { kind: 'sphere' } | { kind: 'poincare'; c: number };

export const SPHERE: EmbeddingGeometry = { kind: 'sphere' };

/** hyptorch's limits: norms clamped below at 1e-5, tanh's argument to [-15, 15], artanh's to 1 - 1e-5, the ball's edge at 1 - 1e-3 */
const MIN_NORM = 1e-5;
const TANH_CLAMP = 15;
const ARTANH_EDGE = 1 - 1e-5;
const BALL_EDGE = 1 - 1e-3;

function rowNorm(x: tf.Tensor2D): tf.Tensor2D {
  return tf.norm(x, 2, 1, true) as tf.Tensor2D; // [B, 1]
}

/** Feature clipping (Guo et al. 2021, as ToPoincare): x min(1, r / (|x| + 1e-5)); r = 0 leaves x as it is. */
export function clipFeatures(x: tf.Tensor2D, clipR: number): tf.Tensor2D {
  if (clipR === 0) return tf.clone(x);
  return tf.tidy(() => tf.mul(x, tf.minimum(1, tf.div(clipR, tf.add(rowNorm(x), 1e-5)))) as tf.Tensor2D); // [B, D]
}

/** expmap0: tanh(sqrt(c) |u|) u / (sqrt(c) |u|), |u| clamped below at 1e-5, tanh's argument to [-15, 15]. */
export function expmap0(u: tf.Tensor2D, c: number): tf.Tensor2D {
  return tf.tidy(() => {
    const sqrtC = Math.sqrt(c);
    const norm = tf.maximum(rowNorm(u), MIN_NORM); // [B, 1]
    const scaled = tf.mul(norm, sqrtC); // [B, 1]
    return tf.div(tf.mul(tf.tanh(tf.clipByValue(scaled, -TANH_CLAMP, TANH_CLAMP)), u), scaled) as tf.Tensor2D; // [B, D]
  });
}

/** A point whose norm (clamped below at 1e-5) exceeds (1 - 1e-3) / sqrt(c) is scaled back to that norm. */
export function projectToBall(x: tf.Tensor2D, c: number): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.maximum(rowNorm(x), MIN_NORM); // [B, 1]
    // hyptorch: where(norm > maxNorm, x / norm * maxNorm, x); the same value and gradient as a factor min(1, maxNorm / norm)
    return tf.mul(x, tf.minimum(1, tf.div(BALL_EDGE / Math.sqrt(c), norm))) as tf.Tensor2D; // [B, D]
  });
}

/** F.normalize(x, p=2, dim=1): x / max(|x|, 1e-12). */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(rowNorm(x), 1e-12)) as tf.Tensor2D);
}

/**
 * The head's map after its Linear layer (hyp_metric model.py): c > 0 clipping at clipR, expmap0
 * and projection (ToPoincare with riemannian=False); c = 0 L2 normalisation (NormLayer).
 */
export function toEmbeddingSpace(x: tf.Tensor2D, c: number, clipR: number): tf.Tensor2D {
  if (!(c >= 0)) throw new Error(`toEmbeddingSpace: c=${c}, expected >= 0 (0: the sphere)`);
  if (!(clipR >= 0)) throw new Error(`toEmbeddingSpace: clipR=${clipR}, expected >= 0 (0: no clipping)`);
  if (c === 0) return normalizeRows(x);
  return tf.tidy(() => projectToBall(expmap0(clipFeatures(x, clipR), c), c));
}

/**
 * hyptorch's Artanh: the argument clamped to [-1 + 1e-5, 1 - 1e-5], 0.5 (log(1 + t) - log(1 - t));
 * its gradient g / (1 - t^2) at the clamped t passes to the unclamped input.
 */
const clampedArtanh = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const t = tf.clipByValue(x, -ARTANH_EDGE, ARTANH_EDGE);
  save([t]);
  return {
    value: tf.mul(tf.sub(tf.log1p(t), tf.log1p(tf.neg(t))), 0.5),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.div(dy as tf.Tensor, tf.sub(1, tf.square(saved[0]))),
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * sqrt with torch.norm's gradient at 0: 0 instead of infinite (equal points, e.g. a view against
 * itself on the masked diagonal of the loss, must not turn the gradient into NaN).
 */
const sqrtZeroSafe = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const root = tf.sqrt(z);
  save([root]);
  return {
    value: root,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.mul(dy as tf.Tensor, tf.where(tf.greater(saved[0], 0), tf.div(0.5, tf.maximum(saved[0], 1e-30)), tf.zerosLike(saved[0]))),
  };
}) as (z: tf.Tensor) => tf.Tensor;

/**
 * Poincare distances [B, C] between rows of x [B, D] and y [C, D] (hyptorch dist_matrix):
 * 2 / sqrt(c) artanh(sqrt(c) |m(-x, y)|), with the batched Mobius sum
 * m(x, y) = ((1 + 2c x.y + c|y|^2) x + (1 - c|x|^2) y) / (1 + 2c x.y + c^2 |x|^2 |y|^2 + 1e-5).
 * The numerator of m(-x, y) is b (y - x) - c |x - y|^2 x with b = 1 - c|x|^2, so its norm is
 * |x - y| sqrt(b^2 - 2bc (x.y - |x|^2) + c^2 |x - y|^2 |x|^2): |x - y|^2 is summed from the
 * differences ([B, C, D], exact 0 for equal rows, no cancellation for near ones), the rest from
 * the Gram matrix.
 */
export function poincareDistances(x: tf.Tensor2D, y: tf.Tensor2D, c: number): tf.Tensor2D {
  if (!(c > 0)) throw new Error(`poincareDistances: c=${c}, expected > 0`);
  return tf.tidy(() => {
    const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(y, 0))), 2); // [B, C] |x - y|^2 (squaredDifference's gradient does not broadcast)
    const xy = tf.matMul(x, y, false, true); // [B, C] x.y
    const x2 = tf.sum(tf.square(x), 1, true); // [B, 1] |x|^2
    const y2 = tf.reshape(tf.sum(tf.square(y), 1), [1, -1]); // [1, C] |y|^2
    const b = tf.sub(1, tf.mul(x2, c)); // [B, 1]
    const bracket = tf.add(tf.sub(tf.square(b), tf.mul(tf.mul(b, tf.sub(xy, x2)), 2 * c)), tf.mul(tf.mul(d2, x2), c * c)); // [B, C]
    const numNorm = sqrtZeroSafe(tf.mul(d2, tf.maximum(bracket, 0))); // [B, C] |numerator of m(-x, y)|
    const denom = tf.add(tf.add(tf.sub(1, tf.mul(xy, 2 * c)), tf.mul(tf.matMul(x2, y2), c * c)), 1e-5); // [B, C]
    const sqrtC = Math.sqrt(c);
    return tf.mul(clampedArtanh(tf.mul(tf.div(numNorm, denom), sqrtC)), 2 / sqrtC) as tf.Tensor2D; // [B, C]
  });
}

/** Similarities [B, C] in a geometry: dot products on the sphere, minus the Poincare distance on the ball. */
export function similarities(x: tf.Tensor2D, y: tf.Tensor2D, geometry: EmbeddingGeometry): tf.Tensor2D {
  return geometry.kind === 'sphere'
    ? tf.matMul(x, y, false, true)
    : tf.tidy(() => tf.neg(poincareDistances(x, y, geometry.c)) as tf.Tensor2D);
}

/** The geometry of a head with curvature c: the sphere for 0, the ball otherwise. */
export function geometryOf(c: number): EmbeddingGeometry {
  return c === 0 ? SPHERE : { kind: 'poincare', c };
}
