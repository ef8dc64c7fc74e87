/**
 * Seeded k-means (Lloyd) with k-means++ initialisation (Arthur & Vassilvitskii 2007) and several
 * restarts, keeping the lowest inertia: the clustering behind the NMI of deep metric learning
 * papers (Proxy-Anchor `evaluate_cos` uses scikit-learn's KMeans(n_clusters = #classes)).
 * Plain JS: O(restarts x iterations x N x k x D); fine for CUB/Cars-size sets, slow at SOP size
 * (60k x 11k classes), where NMI is rarely reported.
 */
import { gemmAbT } from './gemm_js';
import { mulberry32 } from '../random';

export interface KMeansOptions {
  seed?: number;
  /** independent k-means++ starts; the best inertia wins (default 3) */
  restarts?: number;
  maxIterations?: number;
  /** stop when no assignment changes or inertia improves by less than this fraction */
  tolerance?: number;
}

export interface KMeansResult {
  assignment: Int32Array;
  centroids: Float32Array;
  inertia: number;
}

function sqNorms(x: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) s += x[k] * x[k];
    out[i] = s;
  }
  return out;
}

function initPlusPlus(x: Float32Array, n: number, dim: number, k: number, rand: () => number): Float32Array {
  const c = new Float32Array(k * dim);
  const d2 = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rand() * n);
  for (let ci = 0; ci < k; ci++) {
    c.set(x.subarray(pick * dim, (pick + 1) * dim), ci * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) {
        const diff = x[i * dim + t] - c[ci * dim + t];
        s += diff * diff;
      }
      if (s < d2[i]) d2[i] = s;
      total += d2[i];
    }
    if (total === 0) {
      pick = Math.floor(rand() * n);
      continue;
    }
    let target = rand() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= d2[i];
      if (target < 0) {
        pick = i;
        break;
      }
    }
  }
  return c;
}

function assign(
  x: Float32Array,
  xn: Float64Array,
  n: number,
  dim: number,
  c: Float32Array,
  k: number,
  out: Int32Array,
  dist: Float64Array,
): number {
  const cn = sqNorms(c, k, dim);
  const rows = 256;
  const block = new Float32Array(rows * k);
  let inertia = 0;
  for (let i0 = 0; i0 < n; i0 += rows) {
    const bi = Math.min(rows, n - i0);
    gemmAbT(x, i0, bi, c, 0, k, dim, block); // [bi, k]
    for (let r = 0; r < bi; r++) {
      let best = Infinity;
      let arg = 0;
      for (let j = 0; j < k; j++) {
        const d = cn[j] - 2 * block[r * k + j];
        if (d < best) {
          best = d;
          arg = j;
        }
      }
      out[i0 + r] = arg;
      dist[i0 + r] = Math.max(0, best + xn[i0 + r]);
      inertia += dist[i0 + r];
    }
  }
  return inertia;
}

function update(x: Float32Array, n: number, dim: number, k: number, a: Int32Array, dist: Float64Array): Float32Array {
  const sums = new Float64Array(k * dim);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    sizes[a[i]]++;
    for (let t = 0; t < dim; t++) sums[a[i] * dim + t] += x[i * dim + t];
  }
  const c = new Float32Array(k * dim);
  const taken = new Set<number>();
  for (let j = 0; j < k; j++) {
    if (sizes[j] > 0) {
      for (let t = 0; t < dim; t++) c[j * dim + t] = sums[j * dim + t] / sizes[j];
      continue;
    }
    // empty cluster: move it to the point farthest from its centroid (as scikit-learn does)
    let far = 0;
    for (let i = 1; i < n; i++) if (!taken.has(i) && (dist[i] > dist[far] || taken.has(far))) far = i;
    taken.add(far);
    c.set(x.subarray(far * dim, (far + 1) * dim), j * dim);
  }
  return c;
}

/** k-means of the rows of x [n, dim]; deterministic for a given seed. */
export function kmeans(x: Float32Array, dim: number, k: number, options: KMeansOptions = {}): KMeansResult {
  const n = x.length / dim;
  if (!Number.isInteger(n)) throw new Error(`kmeans: data length ${x.length} is not a multiple of dim ${dim}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`kmeans: k = ${k} must be an integer in [1, ${n}] (the number of points)`);
  const rand = mulberry32(options.seed ?? 0);
  const restarts = options.restarts ?? 3;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const xn = sqNorms(x, n, dim);
  let best: KMeansResult | undefined;
  for (let r = 0; r < restarts; r++) {
    let c = initPlusPlus(x, n, dim, k, rand);
    const a = new Int32Array(n).fill(-1);
    const next = new Int32Array(n);
    const dist = new Float64Array(n);
    let inertia = Infinity;
    for (let it = 0; it < maxIterations; it++) {
      const now = assign(x, xn, n, dim, c, k, next, dist);
      let changed = 0;
      for (let i = 0; i < n; i++) if (next[i] !== a[i]) changed++;
      a.set(next);
      const improved = inertia - now;
      inertia = now;
      if (changed === 0 || improved < tolerance * now) break;
      c = update(x, n, dim, k, a, dist);
    }
    if (!best || inertia < best.inertia) best = { assignment: a, centroids: c, inertia };
  }
  return best as KMeansResult;
}
