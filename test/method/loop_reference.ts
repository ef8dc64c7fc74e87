/**
 * Plain-loop float64 versions of the official per-sample code, for the tests: l2_norm,
 * one2many_expansion (classical Gram-Schmidt, one random vector at a time) and Proxy-Anchor.
 * Written from the formulas in test/fixtures/reference/README.md, not copied.
 */
import { gaussian, mulberry32 } from '../../lib/random';

export type Mat = number[][];

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function l2norm(v: number[]): number[] {
  const n = Math.sqrt(dot(v, v) + 1e-12);
  return v.map((x) => x / n);
}

/** n synthetic points of one sample (z, w unit), noise [n][d], coefficients [(n+1)][(n+1)] */
export function expandOne(z: number[], w: number[], noise: Mat, coef: Mat): Mat {
  const c = dot(z, w);
  const m = w.map((x) => c * x);
  const r = z.map((x, i) => x - m[i]);
  const rn = Math.sqrt(dot(r, r));
  const basis: Mat = [w, r.map((x) => x / rn)];
  for (const g0 of noise) {
    const g = l2norm(g0);
    const proj = basis.map((b) => dot(g, b)); // classical: all projections of the same g
    const v = g.map((x, i) => x - basis.reduce((s, b, k) => s + proj[k] * b[i], 0));
    basis.push(l2norm(v));
  }
  const out: Mat = [];
  for (let p = 1; p < coef.length; p++) {
    out.push(z.map((_, i) => m[i] + rn * coef[p].reduce((s, a, t) => s + a * basis[t + 1][i], 0)));
  }
  return out;
}

/** Proxy-Anchor of raw rows X [N][D], labels, raw proxies P [C][D] */
export function proxyAnchorLoop(x: Mat, y: number[], p: Mat, mrg = 0.1, alpha = 32): number {
  const xn = x.map(l2norm);
  const pn = p.map(l2norm);
  let pos = 0;
  let npos = 0;
  let neg = 0;
  for (let c = 0; c < p.length; c++) {
    let ps = 0;
    let ns = 0;
    let has = false;
    for (let i = 0; i < x.length; i++) {
      const cos = dot(xn[i], pn[c]);
      if (y[i] === c) {
        ps += Math.exp(-alpha * (cos - mrg));
        has = true;
      } else ns += Math.exp(alpha * (cos + mrg));
    }
    if (has) {
      pos += Math.log(1 + ps);
      npos += 1;
    }
    neg += Math.log(1 + ns);
  }
  return pos / npos + neg / p.length;
}

/** central finite-difference gradient of f at m (float64) */
export function finiteDiff(f: (m: Mat) => number, m: Mat, h = 1e-5): Mat {
  return m.map((row, i) =>
    row.map((_, j) => {
      const up = m.map((r) => r.slice());
      const dn = m.map((r) => r.slice());
      up[i][j] += h;
      dn[i][j] -= h;
      return (f(up) - f(dn)) / (2 * h);
    }),
  );
}

/** deterministic standard-normal matrix for tests (lib/random.ts: Box-Muller over mulberry32) */
export function testMatrix(rows: number, cols: number, seed: number): Mat {
  const normal = gaussian(mulberry32(seed));
  return Array.from({ length: rows }, () => Array.from({ length: cols }, normal));
}

export function maxAbsDiff(a: ArrayLike<number>, b: number[]): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}
