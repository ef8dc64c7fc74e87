/**
 * Plain reference implementations for the evaluator tests: full float64 similarity rows (dot
 * products unless another similarity is given),
 * sorted, with ties broken in favour of the same-label item (the documented rule).
 * O(Q x G log G): small cases only.
 */
import { gaussian, mulberry32 } from '../../lib/random';

export interface Ranked {
  sim: number;
  same: boolean;
}

function dotProduct(a: number[], b: number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** Each query's references sorted by similarity (default: the dot product, in float64), most similar first; ties: same-label first. */
export function rankAll(
  q: Float32Array,
  qy: Int32Array,
  g: Float32Array,
  gy: Int32Array,
  dim: number,
  exclude: (qi: number, gj: number) => boolean,
  similarity: (a: number[], b: number[]) => number = dotProduct,
): Ranked[][] {
  const out: Ranked[][] = [];
  const rowOf = (x: Float32Array, i: number): number[] => Array.from(x.subarray(i * dim, (i + 1) * dim));
  for (let i = 0; i < qy.length; i++) {
    const row: Ranked[] = [];
    for (let j = 0; j < gy.length; j++) {
      if (exclude(i, j)) continue;
      row.push({ sim: similarity(rowOf(q, i), rowOf(g, j)), same: qy[i] === gy[j] });
    }
    row.sort((a, b) => b.sim - a.sim || Number(b.same) - Number(a.same));
    out.push(row);
  }
  return out;
}

export function plainRecall(ranked: Ranked[][], k: number): number {
  let hits = 0;
  for (const row of ranked) if (row.slice(0, k).some((r) => r.same)) hits++;
  return hits / ranked.length;
}

export function plainMapAtR(ranked: Ranked[][]): { mapAtR: number; rPrecision: number } {
  let ap = 0,
    rp = 0,
    used = 0;
  for (const row of ranked) {
    const r = row.filter((x) => x.same).length;
    if (r === 0) continue;
    let found = 0,
      sum = 0;
    for (let i = 0; i < r; i++) {
      if (row[i].same) {
        found++;
        sum += found / (i + 1);
      }
    }
    ap += sum / r;
    rp += found / r;
    used++;
  }
  return { mapAtR: ap / used, rPrecision: rp / used };
}

/** Seeded unit rows around `classes` centres (noise sigma), labels drawn at random. */
export function clustered(n: number, dim: number, classes: number, sigma: number, seed: number): { x: Float32Array; y: Int32Array } {
  const u = mulberry32(seed);
  const g = gaussian(u);
  const c = Array.from({ length: classes * dim }, () => g());
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(u() * classes);
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = c[y[i] * dim + k] + sigma * g();
      x[i * dim + k] = v;
      s += v * v;
    }
    for (let k = 0; k < dim; k++) x[i * dim + k] /= Math.sqrt(s);
  }
  return { x, y };
}
