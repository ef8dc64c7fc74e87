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
import { randomSumZeroCoefficients, simplexCoefficients } from './coefficients';
import { inverseCholeskyFactor } from './orthonormal';
import { expansionKernels, KERNEL_DATA_BASE } from './kernels';
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

/** unitRows' buffer, reused from call to call (the expansion is synchronous and does not keep it) */
let rowsScratch = new Float32Array(0);
/** unitRows' unit proxies [U, d], reused likewise */
let unitScratch = new Float32Array(0);

/**
 * [B, 2d+2] on the CPU (a shared scratch buffer, valid until the next call): unit embedding z, unit own proxy w, cos(z, w), |z - (z.w) w| per row.
 * One read of the proxies (or of their gathered rows), then plain loops (float64 sums rounded to float32, as l2Normalize's
 * x / sqrt(sum(x^2) + 1e-12)): cheaper than a chain of small tfjs kernels and their reads.
 */
function unitRows(x: tf.Tensor2D, proxies: tf.Tensor2D, lab: Int32Array): Float32Array {
  const [b, d] = x.shape;
  const xs = x.dataSync() as Float32Array;
  // reading every proxy is a plain copy (about 2 ns a value); wasm's gather kernel is a per-element
  // loop (about 30 ns a value), so only the batch's distinct classes are gathered, and only when the
  // proxies far outnumber them
  const slot = new Map<number, number>();
  for (let i = 0; i < b; i++) if (!slot.has(lab[i])) slot.set(lab[i], slot.size);
  const u = slot.size;
  let ps: Float32Array;
  let prow: (j: number) => number; // offset in ps of distinct class j's proxy
  if (proxies.shape[0] <= 16 * u) {
    ps = proxies.dataSync() as Float32Array;
    const classes = Array.from(slot.keys());
    prow = (j) => classes[j] * d;
  } else {
    const distinct = tf.tensor1d(Array.from(slot.keys()), 'int32');
    const own = tf.gather(proxies, distinct); // [U, d]
    ps = own.dataSync() as Float32Array;
    tf.dispose([own, distinct]);
    prow = (j) => j * d;
  }
  // unit proxies, once per distinct class; x / norm as float32(x * (1 / norm)): the same float32
  // except when the quotient lies within 2^-52 (relative) of a float32 rounding midpoint
  if (unitScratch.length < u * d) unitScratch = new Float32Array(u * d);
  const units = unitScratch;
  for (let j = 0; j < u; j++) {
    const po = prow(j);
    let sp = 0;
    for (let t = 0; t < d; t++) sp += ps[po + t] * ps[po + t];
    const inv = 1 / Math.fround(Math.sqrt(Math.fround(sp) + 1e-12));
    for (let t = 0; t < d; t++) units[j * d + t] = ps[po + t] * inv;
  }
  const stride = 2 * d + 2;
  if (rowsScratch.length < b * stride) rowsScratch = new Float32Array(b * stride);
  const out = rowsScratch;
  for (let i = 0; i < b; i++) {
    const o = i * stride;
    const xo = i * d;
    const wo = slot.get(lab[i])! * d;
    let sx = 0;
    for (let t = 0; t < d; t++) sx += xs[xo + t] * xs[xo + t];
    const inv = 1 / Math.fround(Math.sqrt(Math.fround(sx) + 1e-12));
    let c = 0;
    for (let t = 0; t < d; t++) {
      const z = Math.fround(xs[xo + t] * inv);
      out[o + t] = z;
      c += z * units[wo + t];
    }
    out.set(units.subarray(wo, wo + d), o + d);
    const cf = Math.fround(c);
    let rr = 0;
    for (let t = 0; t < d; t++) {
      const r = Math.fround(out[o + t] - Math.fround(cf * out[o + d + t]));
      rr += r * r;
    }
    out[o + 2 * d] = cf;
    out[o + 2 * d + 1] = Math.sqrt(rr);
  }
  return out;
}

/** the simplex matrix's last column is zero: its last basis vector never contributes */
function lastColumnZero(rows: Float64Array[]): boolean {
  return rows.every((r) => r[r.length - 1] === 0);
}

/**
 * Writes V [S, k, dp] into `mem` at float offset `vo`: rows w, u1, noise_1..noise_{k-2} per expanded
 * sample, zero columns d..dp. The noise is left unnormalised: the Gram-based QR gives the same basis
 * for any row scale. Injected noise: the first k-2 of its n rows (classical Gram-Schmidt in order:
 * a basis vector depends only on the rows before it).
 */
function writeBasisInputs(mem: Float32Array, vo: number, rows: Float32Array, idx: number[], d: number, dp: number,
  k: number, n: number, noise: Float32Array | undefined, random: SeededRandom | undefined): void {
  const stride = 2 * d + 2;
  const m = k - 2; // noise rows used
  for (let s = 0; s < idx.length; s++) {
    const i = idx[s];
    const o = i * stride;
    const c = rows[o + 2 * d];
    const rn = rows[o + 2 * d + 1];
    const base = vo + s * k * dp;
    for (let t = 0; t < d; t++) {
      const w = rows[o + d + t];
      mem[base + t] = w;
      mem[base + dp + t] = (rows[o + t] - c * w) / rn;
    }
    if (dp === d) {
      const dst = mem.subarray(base + 2 * d, base + k * d);
      if (noise) dst.set(noise.subarray(i * n * d, i * n * d + m * d));
      else random!.fillNormal(dst);
    } else {
      for (let r = 2; r < k; r++) {
        const dst = mem.subarray(base + r * dp, base + r * dp + d);
        if (noise) dst.set(noise.subarray((i * n + r - 2) * d, (i * n + r - 1) * d));
        else random!.fillNormal(dst);
      }
      for (let r = 0; r < k; r++) mem.fill(0, base + r * dp + d, base + (r + 1) * dp);
    }
  }
}

/**
 * Per-sample [n, k] coefficients A with points = A @ V, written into `mem` at float offset `ao`
 * (row-major [S, n, k]); the Gram matrices [S, k, k] are read at float offset `go`.
 * Basis row t+1 (u1, g1, ...) gets coefficient column t; columns past k-2 are zero (dropped rows).
 */
function writePointCoefficients(mem: Float32Array, go: number, ao: number, cs: number[], rns: number[], n: number,
  k: number, coef: (s: number) => Float64Array[], where: string): void {
  const cf = new Float64Array(n * (k - 1)); // float32-rounded coefficient rows 1..n, columns 0..k-2
  let last: Float64Array[] | undefined;
  const lScratch = new Float64Array(k * k);
  const linvScratch = new Float64Array(k * k);
  const acc = new Float64Array(k);
  for (let s = 0; s < cs.length; s++) {
    const linv = inverseCholeskyFactor(mem, go + s * k * k, k, where, lScratch, linvScratch);
    const bw = coef(s);
    if (bw !== last) {
      for (let p = 0; p < n; p++) for (let t = 0; t < k - 1; t++) cf[p * (k - 1) + t] = Math.fround(bw[p + 1][t]);
      last = bw;
    }
    for (let p = 0; p < n; p++) {
      const co = p * (k - 1);
      const base = ao + (s * n + p) * k;
      acc.fill(0);
      // acc = sum_t cf[p, t] * linv[t+1, :] (row t+1 of the lower-triangular inverse: columns 0..t+1);
      // simplex rows are zero past their own index, so about half the terms are skipped
      for (let t = 0; t < k - 1; t++) {
        const c = cf[co + t];
        if (c === 0) continue;
        const r = (t + 1) * k;
        for (let j = 0; j <= t + 1; j++) acc[j] += c * linv[r + j];
      }
      for (let j = 0; j < k; j++) mem[base + j] = rns[s] * acc[j] + (j === 0 ? cs[s] : 0);
    }
  }
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
  const rows = unitRows(x, proxies, lab);
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
  // basis rows w, u1 and k-2 noise rows: n-1 when the coefficients' last column is zero, else n
  const k = simplex && lastColumnZero(simplex) ? n + 1 : n + 2;
  const sCount = idx.length;
  const dp = Math.ceil(d / 8) * 8; // rows padded for the kernels
  const vo = KERNEL_DATA_BASE / 4; // float offsets of V, G, A and the output in the kernels' memory
  const go = vo + sCount * k * dp;
  const ao = go + sCount * k * k;
  const oo = ao + sCount * n * k;
  const kernels = expansionKernels();
  const mem = kernels.reserve((oo + sCount * n * dp) * 4);
  writeBasisInputs(mem, vo, rows, idx, d, dp, k, n, noise, random);
  kernels.gram(vo * 4, go * 4, sCount, k, dp); // [S, k, k]
  writePointCoefficients(mem, go, ao, idx.map((i) => scores[i]), idx.map((i) => residualNorms[i]), n, k, coefs, where);
  kernels.combine(ao * 4, vo * 4, oo * 4, sCount, n, k, dp); // [S, n, dp]
  let flat: Float32Array;
  // the wasm backend copies a new tensor's values into its own heap at once: a view of the kernels'
  // memory is enough there; other backends may keep the array, so they get a copy
  if (dp === d) flat = tf.getBackend() === 'wasm' ? mem.subarray(oo, oo + sCount * n * d) : mem.slice(oo, oo + sCount * n * d);
  else {
    flat = new Float32Array(sCount * n * d);
    for (let r = 0; r < sCount * n; r++) flat.set(mem.subarray(oo + r * dp, oo + r * dp + d), r * d);
  }
  const points = tf.tensor2d(flat, [sCount * n, d]);
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
