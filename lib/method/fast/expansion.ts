/**
 * Spherical Embedding Expansion of a whole batch at once (SEE, Le & Woo, PAKDD 2024, Sec. 3;
 * official `SphericalExpansion.one2many_expansion`, which loops over samples in Python).
 *
 * For a selected sample with unit embedding z and unit proxy w: M = (z.w) w, r = z - M,
 * u1 = r/|r|, basis [w, u1, g1..gn] by classical Gram-Schmidt of [w, u1, noise_1..noise_n];
 * the n+1 simplex points are M + |r| * (coefficients @ [u1, g1..gn]); the first (z) is dropped.
 *
 * Batched, in the kernels of ./kernels (WebAssembly SIMD; tfjs-backend-wasm's batched matmul is a
 * plain loop, slower than these): unit rows and cosines for the whole batch (unit_rows); V = [w, u1,
 * noise] per expanded sample [S, k, d] with k = n+1 (the simplex's last column is zero) and the noise
 * drawn in place (fill_normal4); the Gram matrices [S, k, k] (gram); Cholesky and the small
 * coefficient algebra in float64 (point_coefficients); one product [S, n, k] x [S, k, d] gives every
 * synthetic point (combine).
 *
 * The expansion needs its inputs on the CPU. `sphericalExpansion` reads them synchronously (cpu
 * and wasm: notebooks, tests, a loss called directly); the training step reads them
 * asynchronously after its gradient tape (`readExpansionInputs`, any backend, WebGPU included)
 * and expands with `expandFromHost`. Both share everything after the read.
 */
import { tf } from '../../tf';
import { hostValues } from '../../backend/host_values';
import { randomSumZeroCoefficients, simplexCoefficients } from '../coefficients';
import { inverseCholeskyFactor } from './orthonormal';
import { expansionKernels, KERNEL_DATA_BASE } from './kernels';
import type { SeededRandom } from '../../random';
import type { SelectionPlan } from '../schedule';
import { selectForExpansion } from '../selection';
import { assertFiniteRows, assertRank2, readLabels } from '../validation';

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

/** What the expansion reads from its tensors, on the host. */
export interface ExpansionInputs {
  /** [B, d] raw embeddings, row-major */
  x: Float32Array;
  b: number;
  d: number;
  numClasses: number;
  /** [B] labels */
  labels: Int32Array;
  /** the batch's distinct classes in order of first appearance */
  classes: number[];
  /** [U, d] raw proxies of `classes` */
  ownProxies: Float32Array;
  /** [B, n, d] injected noise (ExpansionOptions.noise) */
  noise?: Float32Array;
}

/** `noiseRead`: the noise is already on the host (expandFromHost), so `o.noise` is not checked. */
function checkOptions(o: ExpansionOptions, b: number, d: number, where: string, noiseRead = false): void {
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`${where}: n must be an integer >= 1, got ${o.n}`);
  if (d < o.n + 2) {
    throw new Error(`${where}: embedding dimension d=${d} is smaller than n+2=${o.n + 2} (n=${o.n} expansions need d >= n+2)`);
  }
  if (o.noise) {
    const s = o.noise.shape;
    if (o.noise.rank !== 3 || s[0] !== b || s[1] !== o.n || s[2] !== d) {
      throw new Error(`${where}: noise must have shape [${b}, ${o.n}, ${d}], got [${s.join(', ')}]`);
    }
  } else if (!o.random && !noiseRead) {
    throw new Error(`${where}: give either noise [B, n, d] or a SeededRandom`);
  }
  if (o.coefficients === 'random' && !o.random) throw new Error(`${where}: random coefficients need a SeededRandom`);
}

function checkShapes(x: tf.Tensor2D, proxies: tf.Tensor2D, options: ExpansionOptions, where: string): [number, number, number] {
  const [b, d] = assertRank2(x, 'embeddings', where);
  const [numClasses, pd] = assertRank2(proxies, 'proxies', where);
  if (pd !== d) throw new Error(`${where}: proxies have dimension ${pd}, embeddings ${d}`);
  checkOptions(options, b, d, where);
  return [b, d, numClasses];
}

/**
 * The tensors to read for the expansion and how to assemble the read values. Reading every proxy
 * is a plain copy (about 2 ns a value); wasm's gather kernel is a per-element loop (about 30 ns a
 * value), so the batch's distinct classes are gathered on the device only when the proxies far
 * outnumber them.
 */
function inputReader(x: tf.Tensor2D, lab: Int32Array, proxies: tf.Tensor2D, noise: tf.Tensor3D | undefined) {
  const [b, d] = x.shape;
  const classes = Array.from(new Set(lab));
  const gathered = proxies.shape[0] > 16 * classes.length;
  const own = gathered ? tf.tidy(() => tf.gather(proxies, tf.tensor1d(classes, 'int32'))) : proxies; // [U, d] or [C, d]
  return {
    tensors: [x, own, ...(noise ? [noise] : [])] as tf.Tensor[],
    assemble(values: tf.TypedArray[]): ExpansionInputs {
      const [xv, pv, nv] = values as Float32Array[];
      let ownProxies = pv;
      if (!gathered) {
        ownProxies = new Float32Array(classes.length * d);
        classes.forEach((c, j) => ownProxies.set(pv.subarray(c * d, (c + 1) * d), j * d));
      }
      return { x: xv, b, d, numClasses: proxies.shape[0], labels: lab, classes, ownProxies, noise: nv };
    },
    release(): void {
      if (gathered) own.dispose();
    },
  };
}

/**
 * Reads what the expansion needs asynchronously (any backend, WebGPU included). `labels` are the
 * batch labels on the host (checked by the caller); `noise` as in ExpansionOptions.
 */
export async function readExpansionInputs(
  x: tf.Tensor2D,
  labels: Int32Array,
  proxies: tf.Tensor2D,
  options: ExpansionOptions,
): Promise<ExpansionInputs> {
  checkShapes(x, proxies, options, 'readExpansionInputs');
  const reader = inputReader(x, labels, proxies, options.noise);
  try {
    return reader.assemble(await Promise.all(reader.tensors.map((t) => t.data())));
  } finally {
    reader.release();
  }
}

/**
 * Runs the unit_rows kernel: x's rows and the batch's distinct own proxies are copied into the
 * kernels' memory at float offset `base`; returns the float offsets of the kernel's output rows
 * [B, 2d+2] (unit embedding z, unit own proxy w, cos(z, w), |z - (z.w) w|) and of the first float
 * after them (free for the caller).
 */
function unitRows(inputs: ExpansionInputs, base: number): { rowsAt: number; end: number } {
  const { b, d, labels: lab, classes } = inputs;
  const slot = new Map(classes.map((c, j) => [c, j]));
  const slots = Int32Array.from(lab, (c) => slot.get(c)!);
  const u = classes.length;
  const xo = base;
  const po = xo + b * d;
  const so = po + u * d;
  const ro = so + b;
  const end = ro + b * (2 * d + 2);
  const kernels = expansionKernels();
  const mem = kernels.reserve(end * 4);
  mem.set(inputs.x, xo);
  mem.set(inputs.ownProxies, po);
  new Int32Array(mem.buffer, so * 4, b).set(slots);
  kernels.unitRows(xo * 4, po * 4, so * 4, ro * 4, b, u, d);
  return { rowsAt: ro, end };
}

/** the simplex matrix's last column is zero: its last basis vector never contributes */
function lastColumnZero(rows: Float64Array[]): boolean {
  return rows.every((r) => r[r.length - 1] === 0);
}

/**
 * Writes V [S, k, dp] into `mem` at float offset `vo` (unit rows read at `rowsAt`, as unitRows left
 * them): rows w, u1, noise_1..noise_{k-2} per expanded sample, zero columns d..dp. The noise is
 * left unnormalised: the Gram-based QR gives the same basis for any row scale. Injected noise: the
 * first k-2 of its n rows (classical Gram-Schmidt in order: a basis vector depends only on the rows
 * before it).
 */
function writeBasisInputs(
  mem: Float32Array,
  vo: number,
  rowsAt: number,
  idx: number[],
  d: number,
  dp: number,
  k: number,
  n: number,
  noise: Float32Array | undefined,
  random: SeededRandom | undefined,
): void {
  const stride = 2 * d + 2;
  const m = k - 2; // noise rows used
  for (let s = 0; s < idx.length; s++) {
    const i = idx[s];
    const o = rowsAt + i * stride;
    const c = mem[o + 2 * d];
    const rn = mem[o + 2 * d + 1];
    const base = vo + s * k * dp;
    for (let t = 0; t < d; t++) {
      const w = mem[o + d + t];
      mem[base + t] = w;
      mem[base + dp + t] = (mem[o + t] - c * w) / rn;
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
 * Writes the coefficient rows 1..n, columns 0..k-2 (float32-rounded, as float64) of each expanded
 * sample's coefficient matrix at float64 offset `cfo` of `f64`: one shared matrix (simplex) or one
 * per sample, drawn in sample order (random ablation). Returns the byte stride between samples.
 */
function writeCoefficientRows(
  f64: Float64Array,
  cfo: number,
  sCount: number,
  n: number,
  k: number,
  coef: () => Float64Array[],
  shared: boolean,
): number {
  const size = n * (k - 1);
  for (let q = 0; q < (shared ? 1 : sCount); q++) {
    const bw = coef();
    for (let p = 0; p < n; p++) for (let t = 0; t < k - 1; t++) f64[cfo + q * size + p * (k - 1) + t] = Math.fround(bw[p + 1][t]);
  }
  return shared ? 0 : size * 8;
}

/**
 * Expands the selected samples of a batch. x [B, d] raw, labels [B] int32, proxies [C, d] raw.
 * Reads its inputs synchronously (cpu, wasm, or labels the training step copied to the host).
 */
export function sphericalExpansion(x: tf.Tensor2D, labels: tf.Tensor1D, proxies: tf.Tensor2D, options: ExpansionOptions): ExpansionResult {
  const where = 'sphericalExpansion';
  const [b, , numClasses] = checkShapes(x, proxies, options, where);
  const lab = readLabels(labels, b, numClasses, where);
  const reader = inputReader(x, lab, proxies, options.noise);
  try {
    return expandFromHost(reader.assemble(reader.tensors.map((t) => hostValues(t, where))), options);
  } finally {
    reader.release();
  }
}

/** The expansion of inputs already on the host (readExpansionInputs); options.noise is read there. */
export function expandFromHost(inputs: ExpansionInputs, options: ExpansionOptions): ExpansionResult {
  const where = 'expandFromHost';
  const { b, d, labels: lab } = inputs;
  checkOptions({ ...options, noise: undefined }, b, d, where, inputs.noise !== undefined);
  const { rowsAt, end } = unitRows(inputs, KERNEL_DATA_BASE / 4);
  const stride = 2 * d + 2;
  const scores = new Float32Array(b);
  const residualNorms = new Float32Array(b);
  const rows = expansionKernels().reserve(0);
  for (let i = 0; i < b; i++) {
    scores[i] = rows[rowsAt + i * stride + 2 * d];
    residualNorms[i] = rows[rowsAt + i * stride + 2 * d + 1];
  }
  assertFiniteRows(scores, 'embeddings (or their proxies)', where);
  const selected = selectForExpansion(scores, options.plan, options.threshold);
  const expanded = selected.map((sel, i) => sel && residualNorms[i] > ZERO_RESIDUAL);
  const idx: number[] = [];
  expanded.forEach((e, i) => {
    if (e) idx.push(i);
  });
  const n = options.n;
  const pointLabels = new Int32Array(idx.length * n);
  idx.forEach((i, s) => pointLabels.fill(lab[i], s * n, (s + 1) * n));
  const labelsOut = tf.tensor1d(pointLabels, 'int32');
  if (idx.length === 0) return { points: tf.zeros([0, d]), labels: labelsOut, pointLabels, scores, selected, expanded, residualNorms };

  const simplex = options.coefficients === 'random' ? undefined : simplexCoefficients(n);
  const random = options.random;
  const noise = inputs.noise;
  const coefs = simplex ? (): Float64Array[] => simplex : (): Float64Array[] => randomSumZeroCoefficients(n, random!);
  // basis rows w, u1 and k-2 noise rows: n-1 when the coefficients' last column is zero, else n
  const k = simplex && lastColumnZero(simplex) ? n + 1 : n + 2;
  const sCount = idx.length;
  const dp = Math.ceil(d / 8) * 8; // rows padded for the kernels
  // float offsets in the kernels' memory, after unit_rows' data: V [S, k, dp], G [S, k, k],
  // A [S, n, k], output [S, n, dp], cos and |r| [S], then (8-byte aligned) coefficient rows and the
  // point_coefficients scratch
  const vo = end;
  const go = vo + sCount * k * dp;
  const ao = go + sCount * k * k;
  const oo = ao + sCount * n * k;
  const co = oo + sCount * n * dp;
  const ro = co + sCount;
  const cfo = Math.ceil((ro + sCount) / 2); // in float64s
  const shared = simplex !== undefined;
  const scratch = cfo + (shared ? 1 : sCount) * n * (k - 1);
  const kernels = expansionKernels();
  const mem = kernels.reserve((scratch + 2 * k * k + k) * 8);
  writeBasisInputs(mem, vo, rowsAt, idx, d, dp, k, n, noise, random);
  kernels.gram(vo * 4, go * 4, sCount, k, dp); // [S, k, k]
  idx.forEach((i, q) => {
    mem[co + q] = scores[i];
    mem[ro + q] = residualNorms[i];
  });
  const cfStride = writeCoefficientRows(new Float64Array(mem.buffer, 0, mem.byteLength >> 3), cfo, sCount, n, k, coefs, shared);
  const bad = kernels.pointCoefficients(go * 4, cfo * 8, cfStride, co * 4, ro * 4, ao * 4, scratch * 8, sCount, n, k); // [S, n, k]
  if (bad >= 0) inverseCholeskyFactor(mem, go + bad * k * k, k, where); // throws, naming the dependent row
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
export function constantExpansion(x: tf.Tensor2D, labels: tf.Tensor1D, proxies: tf.Tensor2D, options: ExpansionOptions): ExpansionResult {
  // the kernel's forward runs in a tidy: only `value` survives, so labels are rebuilt outside
  let result: ExpansionResult | undefined;
  const points = tf.customGrad(() => {
    result = sphericalExpansion(x, labels, proxies, options);
    return { value: result.points, gradFunc: () => [] };
  })() as tf.Tensor2D;
  const r = result!;
  return { ...r, points, labels: tf.tensor1d(r.pointLabels, 'int32') };
}
