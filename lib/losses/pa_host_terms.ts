/**
 * The host arithmetic of the fused Proxy-Anchor (fused_proxy_anchor.ts) on wasm: what the forward
 * pass computes from the positive cosines and the negative sums S (the loss and the per-row and
 * per-class factors of the gradient), and the backward pass's terms through the rows' own classes.
 * These arrays have N (rows) or C (classes) values, or N rows of D, so plain loops over the heap cost
 * less than the tfjs kernels these steps took (about 8 us a call whatever its size; the demo's step
 * ran 196 of them for its two Proxy-Anchor terms); the passes over all C x D values are SIMD kernels
 * (l2_rows, scale_project_rows in heap_kernels.wat). Sums run in float64.
 *   P_c = sum_{i: y_i = c} exp(-alpha (cos_{i, y_i} - mrg)),  L = 1/|U| sum_{c in U} log(1 + P_c) + 1/C sum_c log(1 + S_c)
 *   dL/dp_c = g alpha/C W_c / (1 + S_c) - g alpha/|U| sum_{i: y_i = c} e_i / (1 + P_c) x_i
 *   dL/dx_i = g alpha/C V_i - g alpha/|U| e_i / (1 + P_{y_i}) p_{y_i}
 * (g the incoming scalar gradient, e_i = exp(-alpha (cos_{i, y_i} - mrg)), U the classes of the rows).
 */

/** What the forward pass leaves the backward pass, besides W, V and the unit rows (tensors). */
export interface PaTail {
  loss: number;
  /** |U| */
  distinct: number;
  /** [N] e_i / (1 + P_{y_i}) */
  rowFactor: Float64Array;
  /** [C] 1 / (1 + S_c) */
  classFactor: Float64Array;
}

/** The loss and the gradient's factors from the positive cosines [N] and the negative sums S [C]. */
export function paTail(posCos: Float32Array, sums: Float32Array, labels: Int32Array, margin: number, alpha: number): PaTail {
  const n = labels.length;
  const c = sums.length;
  const local = new Map<number, number>();
  for (const y of labels) if (!local.has(y)) local.set(y, local.size);
  const posSum = new Float64Array(local.size); // P of each distinct class
  const posExp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    posExp[i] = Math.exp(-alpha * (posCos[i] - margin));
    posSum[local.get(labels[i])!] += posExp[i];
  }
  let positive = 0;
  for (const v of posSum) positive += Math.log1p(v);
  let negative = 0;
  const classFactor = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    negative += Math.log1p(sums[k]);
    classFactor[k] = 1 / (1 + sums[k]);
  }
  const rowFactor = new Float64Array(n);
  for (let i = 0; i < n; i++) rowFactor[i] = posExp[i] / (1 + posSum[local.get(labels[i])!]);
  return { loss: positive / local.size + negative / c, distinct: local.size, rowFactor, classFactor };
}

/** What the positive terms of the backward pass read: heap views and the forward pass's factors. */
export interface PaPositiveInputs {
  /** the incoming scalar gradient */
  g: number;
  alpha: number;
  tail: PaTail;
  labels: Int32Array;
  d: number;
  x: Float32Array; // [N, D] unit rows
  p: Float32Array; // [C, D] unit proxies
  v?: Float32Array; // [N, D], when x gets a gradient
}

/**
 * The terms of the gradient that go through the rows' own classes (N rows): dp_{y_i} += r_i x_i with
 * r_i = -g alpha/|U| e_i / (1 + P_{y_i}), added to `dp` [C, D] (which holds g alpha/C W_c / (1 + S_c)),
 * and, when `dx` is given, dx_i = g alpha/C V_i + r_i p_{y_i}, written to `dx` [N, D].
 */
export function addPositiveTerms(a: PaPositiveInputs, dp: Float32Array, dx?: Float32Array): void {
  const { g, alpha, tail, labels, d, x, p, v } = a;
  const negative = (g * alpha) / tail.classFactor.length;
  const positive = (-g * alpha) / tail.distinct;
  for (let i = 0; i < labels.length; i++) {
    const r = positive * tail.rowFactor[i];
    const [oi, oc] = [i * d, labels[i] * d];
    for (let j = 0; j < d; j++) dp[oc + j] += r * x[oi + j];
    if (dx && v) for (let j = 0; j < d; j++) dx[oi + j] = v[oi + j] * negative + r * p[oc + j];
  }
}
