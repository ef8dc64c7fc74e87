/**
 * Spherical Embedding Expansion of a whole batch at once (SEE, Le & Woo, PAKDD 2024, Sec. 3;
 * official `SphericalExpansion.one2many_expansion`, which loops over samples in Python).
 *
 * For a selected sample with unit embedding z and unit proxy w: M = (z.w) w, r = z - M,
 * u1 = r/|r|, basis [w, u1, g1..gn] by classical Gram-Schmidt of [w, u1, noise_1..noise_n];
 * the n+1 simplex points are M + |r| * (coefficients @ [u1, g1..gn]); the first (z) is dropped.
 *
 * Batched: V = [w, u1, noise] per sample [S, n+2, d] (assembled on the CPU); the Gram matrices [S, n+2, n+2]
 * on the CPU (tfjs-backend-wasm's batched matmul is a plain loop, slower than this);
 * Cholesky and the small coefficient algebra in float64 on the CPU; one matmul
 * [S, n, n+2] x [S, n+2, d] gives every synthetic point. Synchronous (dataSync), usable in a tape.
 */
import { tf } from '../tf';
import { l2Normalize } from '../losses/l2_normalize';
import { randomSumZeroCoefficients, simplexCoefficients } from './coefficients';
import { inverseCholeskyFactor } from './orthonormal';
import type { SeededRandom } from './random';
import type { SelectionPlan } from './schedule';
import { selectForExpansion } from './selection';
import { assertFiniteRows, assertRank2, readLabels } from './validation';

/** residual norms at or below this are treated as "on the proxy": the sample is not expanded */
export const ZERO_RESIDUAL = 1e-6;

export interface ExpansionOptions {
  /** synthetic points per expanded sample */
  n: number;
  plan: SelectionPlan;
  /** plan 0: cosine threshold; plan 1: fraction of the batch */
  threshold: number;
  /** 'simplex' (default) or the random sum-zero ablation */
  coefficients?: 'simplex' | 'random';
  /** [B, n, d] standard-normal draws (row b used only if b is expanded), to reproduce a run */
  noise?: tf.Tensor3D;
  /** the draws' source when `noise` is absent (also feeds random coefficients) */
  random?: SeededRandom;
}

export interface ExpansionResult {
  /** [S*n, d] unit synthetic embeddings, n per expanded sample, in batch order */
  points: tf.Tensor2D;
  /** [S*n] int32, each copied from its anchor */
  labels: tf.Tensor1D;
  /** the same labels on the CPU */
  pointLabels: Int32Array;
  /** [B] cos(z_i, w_{y_i}) */
  scores: Float32Array;
  /** [B] chosen by the plan */
  selected: boolean[];
  /** [B] selected and with a non-zero residual (actually expanded) */
  expanded: boolean[];
  /** [B] |z_i - (z_i.w) w| */
  residualNorms: Float32Array;
}

function checkOptions(o: ExpansionOptions, b: number, d: number, where: string): void {
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`${where}: n must be an integer >= 1, got ${o.n}`);
  if (d < o.n + 2) {
    throw new Error(`${where}: embedding dimension d=${d} is smaller than n+2=${o.n + 2} (n=${o.n} expansions need d >= n+2)`);
  }
  if (o.noise) {
    const s = o.noise.shape;
    if (o.noise.rank !== 3 || s[0] !== b || s[1] !== o.n || s[2] !== d) {
      throw new Error(`${where}: noise must have shape [${b}, ${o.n}, ${d}], got [${s.join(', ')}]`);
    }
  } else if (!o.random) {
    throw new Error(`${where}: give either noise [B, n, d] or a SeededRandom`);
  }
  if (o.coefficients === 'random' && !o.random) throw new Error(`${where}: random coefficients need a SeededRandom`);
}

/** [B, 2d+2] on the CPU: unit embedding z, unit own proxy w, cos(z, w), |z - (z.w) w| per row. */
function unitRows(x: tf.Tensor2D, proxies: tf.Tensor2D, labels: tf.Tensor1D): Float32Array {
  const [b, d] = x.shape;
  // tidy returns tensors only: a returned typed array would be walked element by element
  const tensors = tf.tidy(() => {
    const z = l2Normalize(x); // [B, d]
    const w = l2Normalize(tf.gather(proxies, labels)); // [B, d]
    const c = tf.sum(tf.mul(z, w), 1, true); // [B, 1]
    const r = tf.sub(z, tf.mul(c, w)); // [B, d]
    const rn = tf.sqrt(tf.sum(tf.square(r), 1, true)); // [B, 1]
    return [z, w, c, rn];
  });
  // separate reads: a mixed-width concat is slow on wasm
  const [z, w, c, rn] = tensors.map((t) => t.dataSync() as Float32Array);
  tf.dispose(tensors);
  const out = new Float32Array(b * (2 * d + 2));
  for (let i = 0; i < b; i++) {
    const o = i * (2 * d + 2);
    out.set(z.subarray(i * d, (i + 1) * d), o);
    out.set(w.subarray(i * d, (i + 1) * d), o + d);
    out[o + 2 * d] = c[i];
    out[o + 2 * d + 1] = rn[i];
  }
  return out;
}

/** Gram matrices [S, n+2, n+2] of the rows of v [S, n+2, d] (float64 accumulation, on the CPU). */
function gramOf(v: Float32Array, s: number, k: number, d: number): Float64Array {
  const g = new Float64Array(s * k * k);
  for (let q = 0; q < s; q++) {
    const base = q * k * d;
    for (let i = 0; i < k; i++) {
      const oi = base + i * d;
      for (let j = 0; j <= i; j++) {
        const oj = base + j * d;
        let a0 = 0; let a1 = 0; let a2 = 0; let a3 = 0;
        let t = 0;
        for (; t + 3 < d; t += 4) {
          a0 += v[oi + t] * v[oj + t];
          a1 += v[oi + t + 1] * v[oj + t + 1];
          a2 += v[oi + t + 2] * v[oj + t + 2];
          a3 += v[oi + t + 3] * v[oj + t + 3];
        }
        for (; t < d; t++) a0 += v[oi + t] * v[oj + t];
        const val = a0 + a1 + a2 + a3;
        g[q * k * k + i * k + j] = val;
        g[q * k * k + j * k + i] = val;
      }
    }
  }
  return g;
}

/**
 * V [S, n+2, d] rows w, u1, noise_1..noise_n per expanded sample.
 * The noise is left unnormalised: the Gram-based QR gives the same basis for any row scale.
 */
function basisInputs(rows: Float32Array, idx: number[], d: number, n: number, noise: Float32Array | undefined,
  random: SeededRandom | undefined): Float32Array {
  const k = n + 2;
  const stride = 2 * d + 2;
  const v = new Float32Array(idx.length * k * d);
  idx.forEach((i, s) => {
    const o = i * stride;
    const c = rows[o + 2 * d];
    const rn = rows[o + 2 * d + 1];
    const base = s * k * d;
    for (let t = 0; t < d; t++) {
      const w = rows[o + d + t];
      v[base + t] = w;
      v[base + d + t] = (rows[o + t] - c * w) / rn;
    }
    if (noise) v.set(noise.subarray(i * n * d, (i + 1) * n * d), base + 2 * d);
    else random!.fillNormal(v.subarray(base + 2 * d, base + k * d));
  });
  return v;
}

/** Per-sample [n, n+2] coefficients A with points = A @ V (float32, row-major [S, n, n+2]). */
function pointCoefficients(gram: Float64Array, cs: number[], rns: number[], n: number,
  coef: (s: number) => Float64Array[], where: string): Float32Array {
  const k = n + 2;
  const out = new Float32Array(cs.length * n * k);
  for (let s = 0; s < cs.length; s++) {
    const linv = inverseCholeskyFactor(gram, s * k * k, k, where);
    const bw = coef(s);
    for (let p = 0; p < n; p++) {
      const row = bw[p + 1];
      const base = (s * n + p) * k;
      for (let j = 0; j < k; j++) {
        let v = 0;
        for (let t = 0; t <= n; t++) v += Math.fround(row[t]) * linv[(t + 1) * k + j];
        out[base + j] = rns[s] * v + (j === 0 ? cs[s] : 0);
      }
    }
  }
  return out;
}

/** Expands the selected samples of a batch. x [B, d] raw, labels [B] int32, proxies [C, d] raw. */
export function sphericalExpansion(x: tf.Tensor2D, labels: tf.Tensor1D, proxies: tf.Tensor2D,
  options: ExpansionOptions): ExpansionResult {
  const where = 'sphericalExpansion';
  const [b, d] = assertRank2(x, 'embeddings', where);
  const [numClasses, pd] = assertRank2(proxies, 'proxies', where);
  if (pd !== d) throw new Error(`${where}: proxies have dimension ${pd}, embeddings ${d}`);
  checkOptions(options, b, d, where);
  const lab = readLabels(labels, b, numClasses, where);
  const rows = unitRows(x, proxies, labels);
  const stride = 2 * d + 2;
  const scores = new Float32Array(b);
  const residualNorms = new Float32Array(b);
  for (let i = 0; i < b; i++) { scores[i] = rows[i * stride + 2 * d]; residualNorms[i] = rows[i * stride + 2 * d + 1]; }
  assertFiniteRows(scores, 'embeddings (or their proxies)', where);
  const selected = selectForExpansion(scores, options.plan, options.threshold);
  const expanded = selected.map((sel, i) => sel && residualNorms[i] > ZERO_RESIDUAL);
  const idx: number[] = [];
  expanded.forEach((e, i) => { if (e) idx.push(i); });
  const n = options.n;
  const pointLabels = new Int32Array(idx.length * n);
  idx.forEach((i, s) => pointLabels.fill(lab[i], s * n, (s + 1) * n));
  const labelsOut = tf.tensor1d(pointLabels, 'int32');
  if (idx.length === 0) return { points: tf.zeros([0, d]), labels: labelsOut, pointLabels, scores, selected, expanded, residualNorms };

  const simplex = options.coefficients === 'random' ? undefined : simplexCoefficients(n);
  const random = options.random;
  const noise = options.noise ? options.noise.dataSync() as Float32Array : undefined;
  const coefs = simplex ? (): Float64Array[] => simplex : (): Float64Array[] => randomSumZeroCoefficients(n, random!);
  const v = basisInputs(rows, idx, d, n, noise, random);
  const gram = gramOf(v, idx.length, n + 2, d); // [S, n+2, n+2]
  const a = pointCoefficients(gram, idx.map((i) => scores[i]), idx.map((i) => residualNorms[i]), n, coefs, where);
  const points = tf.tidy(() => {
    const p = tf.matMul(tf.tensor3d(a, [idx.length, n, n + 2]), tf.tensor3d(v, [idx.length, n + 2, d])); // [S, n, d]
    return tf.reshape(p, [idx.length * n, d]) as tf.Tensor2D;
  });
  return { points, labels: labelsOut, pointLabels, scores, selected, expanded, residualNorms };
}

/**
 * The same expansion as constants for a gradient tape: the forward runs inside a custom-gradient
 * kernel with no tensor inputs, so nothing it computes is recorded and no gradient flows back to
 * the embeddings or proxies through the synthetic points (the official `.detach()`).
 */
export function constantExpansion(x: tf.Tensor2D, labels: tf.Tensor1D, proxies: tf.Tensor2D,
  options: ExpansionOptions): ExpansionResult {
  // the kernel's forward runs in a tidy: only `value` survives, so labels are rebuilt outside
  let result: ExpansionResult | undefined;
  const points = tf.customGrad(() => {
    result = sphericalExpansion(x, labels, proxies, options);
    return { value: result.points, gradFunc: () => [] };
  })() as tf.Tensor2D;
  const r = result!;
  return { ...r, points, labels: tf.tensor1d(r.pointLabels, 'int32') };
}
