/**
 * SEE as the paper writes it, one sample at a time, in plain tfjs ops (Le & Woo, PAKDD 2024,
 * Sec. 3; the official `SphericalExpansion.one2many_expansion` and `SEEProxyAnchor`): read this
 * file to learn or teach the method. The kit trains with the batched path in ./fast/
 * (sphericalExpansion, WebAssembly kernels, and Proxy-Anchor with a hand-written gradient); the
 * tests and notebooks 02 and 03 hold the two equal, and `npm run bench -- see` times both.
 *
 * For a selected sample with unit embedding z and unit proxy w of its class:
 *   M = (z.w) w            the part along the proxy (its latitude, kept)
 *   r = z - M, u1 = r/|r|  the residual and its direction
 *   g_1..g_n               random directions, each made orthogonal to w, u1 and the g before it
 *   points = M + |r| (B[1:] @ [u1, g_1, ..., g_n])
 * with B the (n+1) x (n+1) simplex coefficients (lib/method/coefficients.ts): the n+1 residual
 * directions of z and its n synthetic points are the vertices of a regular simplex.
 */
import { tf } from '../tf';
import { l2Normalize } from '../losses/l2_normalize';
import { randomSumZeroCoefficients, simplexCoefficients } from './coefficients';
import { ZERO_RESIDUAL, type ExpansionOptions } from './fast/expansion';
import { selectForExpansion } from './selection';
import { assertRank2 } from './validation';

/**
 * The n synthetic points of one sample: z and w unit vectors [d], noise [n, d] standard-normal
 * draws (one per extra direction), coefficients (n+1) x (n+1). Returns [n, d].
 */
export function expandSample(z: tf.Tensor1D, w: tf.Tensor1D, noise: tf.Tensor2D, coefficients: Float64Array[]): tf.Tensor2D {
  const n = noise.shape[0];
  if (coefficients.length !== n + 1) throw new Error(`expandSample: ${coefficients.length} coefficient rows for n=${n}, expected ${n + 1}`);
  return tf.tidy(() => {
    const latitude = tf.sum(tf.mul(z, w)); // [] z.w
    const m = tf.mul(latitude, w); // [d] M
    const r = tf.sub(z, m); // [d]
    const rNorm = tf.norm(r); // [] |r|
    const basis: tf.Tensor1D[] = [w, tf.div(r, rNorm) as tf.Tensor1D]; // w, u1
    for (const row of tf.unstack(noise) as tf.Tensor1D[]) {
      const g = l2Normalize(row); // [d]
      // classical Gram-Schmidt: every projection is of the same g onto the directions so far
      let v: tf.Tensor1D = g;
      for (const b of basis) v = tf.sub(v, tf.mul(tf.sum(tf.mul(g, b)), b));
      basis.push(l2Normalize(v));
    }
    const directions = tf.stack(basis.slice(1)) as tf.Tensor2D; // [n+1, d] u1, g_1..g_n
    const b = tf.tensor2d(
      coefficients.slice(1).map((c) => Array.from(c)),
      [n, n + 1],
    ); // [n, n+1] without z's row
    return tf.add(m, tf.mul(rNorm, tf.matMul(b, directions))) as tf.Tensor2D; // [n, d]
  });
}

/** The options of the fast path (n, plan, threshold, coefficients, and the draws: `noise` [B, n, d] or `random`). */
export type ReferenceExpansionOptions = ExpansionOptions;

export interface ReferenceExpansion {
  /** [S*n, d] the synthetic points, n per expanded sample, in batch order */
  points: tf.Tensor2D;
  /** [S*n] each point's label (its sample's) */
  pointLabels: Int32Array;
  /** [B] cos(z_i, w_{y_i}) */
  scores: Float32Array;
  /** [B] chosen by the plan */
  selected: boolean[];
  /** [B] selected and off its proxy (a residual to rotate) */
  expanded: boolean[];
}

/**
 * The official per-sample loop over a batch: x [B, d] raw embeddings, labels [B], proxies [C, d]
 * raw. Scores every sample against its own proxy, selects by the plan, expands each selected
 * sample. Asynchronous: the scores are read back to choose the samples. The points carry no
 * gradient to x or the proxies (the official `.detach()`): they are computed outside any tape.
 */
export async function referenceExpansion(
  x: tf.Tensor2D,
  labels: tf.Tensor1D,
  proxies: tf.Tensor2D,
  o: ReferenceExpansionOptions,
): Promise<ReferenceExpansion> {
  const where = 'referenceExpansion';
  const [b, d] = assertRank2(x, 'embeddings', where);
  const [c] = assertRank2(proxies, 'proxies', where);
  if (!Number.isInteger(o.n) || o.n < 1 || d < o.n + 2) throw new Error(`${where}: n=${o.n} needs an integer >= 1 and d >= n+2 (d=${d})`);
  if (o.noise && o.noise.shape.join(',') !== [b, o.n, d].join(','))
    throw new Error(`${where}: noise must have shape [${b}, ${o.n}, ${d}], got [${o.noise.shape}]`);
  if (!o.noise && !o.random) throw new Error(`${where}: give either noise [B, n, d] or a SeededRandom`);
  if (o.coefficients === 'random' && !o.random) throw new Error(`${where}: random coefficients need a SeededRandom`);
  const lab = Int32Array.from(await labels.data());
  lab.forEach((y, i) => {
    if (!(y >= 0 && y < c)) throw new Error(`${where}: label ${y} at index ${i} is outside [0, ${c})`);
  });
  const [z, w, cosT, rT] = tf.tidy(() => {
    const zs = l2Normalize(x); // [B, d]
    const ws = tf.gather(l2Normalize(proxies), labels); // [B, d] each sample's own proxy
    const cos = tf.sum(tf.mul(zs, ws), 1); // [B]
    const r = tf.norm(tf.sub(zs, tf.mul(tf.expandDims(cos, 1), ws)), 2, 1); // [B] |z - (z.w) w|
    return [zs, ws, cos, r];
  });
  const scores = (await cosT.data()) as Float32Array;
  const residuals = await rT.data();
  const selected = selectForExpansion(scores, o.plan, o.threshold);
  const expanded = selected.map((s, i) => s && residuals[i] > ZERO_RESIDUAL);
  const simplex = simplexCoefficients(o.n);
  const perSample: tf.Tensor2D[] = [];
  const pointLabels: number[] = [];
  for (let i = 0; i < b; i++) {
    if (!expanded[i]) continue;
    const points = tf.tidy(() => {
      const noise = o.noise
        ? (tf.squeeze(tf.slice(o.noise, [i, 0, 0], [1, o.n, d]), [0]) as tf.Tensor2D) // [n, d]
        : tf.tensor2d(o.random!.fillNormal(new Float32Array(o.n * d)), [o.n, d]);
      const coef = o.coefficients === 'random' ? randomSumZeroCoefficients(o.n, o.random!) : simplex;
      const zi = tf.squeeze(tf.slice(z, [i, 0], [1, d]), [0]) as tf.Tensor1D; // [d]
      const wi = tf.squeeze(tf.slice(w, [i, 0], [1, d]), [0]) as tf.Tensor1D; // [d]
      return expandSample(zi, wi, noise, coef);
    });
    perSample.push(points);
    for (let k = 0; k < o.n; k++) pointLabels.push(lab[i]);
  }
  const points = perSample.length ? (tf.concat(perSample) as tf.Tensor2D) : (tf.zeros([0, d]) as tf.Tensor2D); // [S*n, d]
  tf.dispose([z, w, cosT, rT, ...perSample]);
  return { points, pointLabels: Int32Array.from(pointLabels), scores: Float32Array.from(scores), selected, expanded };
}

/**
 * Proxy-Anchor (Kim et al., CVPR 2020, Eq. 4) in plain ops, its gradient left to autodiff:
 *   pos = 1/|C+| sum over proxies c with a positive of log(1 + sum_{i: y_i = c} exp(-alpha (cos_ic - margin)))
 *   neg = 1/C    sum over all proxies c of           log(1 + sum_{i: y_i != c} exp( alpha (cos_ic + margin)))
 * embeddings [N, d] raw, labels [N] class indices, proxies [C, d] raw.
 */
export function referenceProxyAnchor(
  embeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  proxies: tf.Tensor2D,
  margin = 0.1,
  alpha = 32,
): tf.Scalar {
  const where = 'referenceProxyAnchor';
  const [n] = assertRank2(embeddings, 'embeddings', where);
  const [c] = assertRank2(proxies, 'proxies', where);
  if (labels.length !== n) throw new Error(`${where}: ${labels.length} labels for ${n} embeddings`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= c)
      throw new Error(`${where}: label ${labels[i]} at index ${i} is outside [0, ${c})`);
  }
  return tf.tidy(() => {
    const cos = tf.matMul(l2Normalize(embeddings), l2Normalize(proxies), false, true) as tf.Tensor2D; // [N, C]
    const { pos, neg } = proxyAnchorTerms(cos, labels, margin, alpha);
    return tf.add(pos, neg) as tf.Scalar;
  });
}

/**
 * The two terms of Proxy-Anchor from the cosines: cos [N, C] (sample i to proxy c), labels [N].
 * `pos` averages over the proxies that have a positive in the batch, `neg` over all C proxies.
 */
export function proxyAnchorTerms(
  cos: tf.Tensor2D,
  labels: ArrayLike<number>,
  margin = 0.1,
  alpha = 32,
): { pos: tf.Scalar; neg: tf.Scalar } {
  const [n, c] = assertRank2(cos, 'cos', 'proxyAnchorTerms');
  if (labels.length !== n) throw new Error(`proxyAnchorTerms: ${labels.length} labels for ${n} rows of cos`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= c)
      throw new Error(`proxyAnchorTerms: label ${labels[i]} at index ${i} is outside [0, ${c})`);
  }
  return tf.tidy(() => {
    const positive = tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), c), 'float32'); // [N, C] 1 where y_i = c
    const negative = tf.sub(1, positive); // [N, C]
    const posSum = tf.sum(tf.mul(positive, tf.exp(tf.mul(-alpha, tf.sub(cos, margin)))), 0); // [C]
    const negSum = tf.sum(tf.mul(negative, tf.exp(tf.mul(alpha, tf.add(cos, margin)))), 0); // [C]
    const hasPositive = tf.cast(tf.greater(tf.sum(positive, 0), 0), 'float32'); // [C]
    const pos = tf.div(tf.sum(tf.mul(hasPositive, tf.log1p(posSum))), tf.sum(hasPositive)) as tf.Scalar;
    const neg = tf.div(tf.sum(tf.log1p(negSum)), c) as tf.Scalar;
    return { pos, neg };
  });
}

/**
 * The SEE loss: Proxy-Anchor of the batch plus lambda times Proxy-Anchor of the synthetic points
 * (from referenceExpansion, constants: this second term moves only the proxies).
 */
export function referenceSeeLoss(
  embeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  proxies: tf.Tensor2D,
  expansion: { points: tf.Tensor2D; pointLabels: ArrayLike<number> },
  lambda: number,
  margin = 0.1,
  alpha = 32,
): tf.Scalar {
  return tf.tidy(() => {
    const batch = referenceProxyAnchor(embeddings, labels, proxies, margin, alpha);
    if (expansion.pointLabels.length === 0) return batch;
    return tf.add(
      batch,
      tf.mul(lambda, referenceProxyAnchor(expansion.points, expansion.pointLabels, proxies, margin, alpha)),
    ) as tf.Scalar;
  });
}
