/**
 * The expansion kernels in plain JavaScript over a growable Float32Array: the reference the tests
 * hold the WebAssembly module to, and the fallback where WebAssembly SIMD is missing. Float64 work
 * (unitRows, pointCoefficients) does the WAT's operations in its order, so results agree bit for bit.
 */
import { inverseCholeskyInto } from '../orthonormal';
import type { ExpansionKernels } from './types';

/** sum_t term(t) for t < d in two float64 partial sums (even t, odd t; a last even t to the first), as the WAT */
function pairedSum(d: number, term: (t: number) => number): number {
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  for (; t + 1 < d; t += 2) {
    s0 += term(t);
    s1 += term(t + 1);
  }
  if (t < d) s0 += term(t);
  return s0 + s1;
}

/** m[dst + t] = float32(m[src + t] * inv), inv = 1 / float32(sqrt(float32(sum m[src + t]^2) + 1e-12)) */
function normalizeRow(m: Float32Array, src: number, dst: number, d: number): void {
  const inv = 1 / Math.fround(Math.sqrt(Math.fround(pairedSum(d, (t) => m[src + t] * m[src + t])) + 1e-12));
  for (let t = 0; t < d; t++) m[dst + t] = m[src + t] * inv;
}

/** The same kernels in plain JavaScript over a growable Float32Array (reference for tests; fallback). */
export function jsExpansionKernels(): ExpansionKernels {
  let mem = new Float32Array(0);
  return {
    kind: 'js',
    reserve(bytes: number): Float32Array {
      if (bytes > mem.byteLength) {
        const next = new Float32Array(Math.ceil(bytes / 4));
        next.set(mem);
        mem = next;
      }
      return mem;
    },
    gram(v: number, g: number, s: number, k: number, dp: number): void {
      const m = mem;
      for (let q = 0; q < s; q++) {
        const vb = v / 4 + q * k * dp;
        const gb = g / 4 + q * k * k;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j <= i; j++) {
            let acc = 0;
            for (let t = 0; t < dp; t++) acc += m[vb + i * dp + t] * m[vb + j * dp + t];
            m[gb + i * k + j] = acc;
            m[gb + j * k + i] = acc;
          }
        }
      }
    },
    pointCoefficients(
      g: number,
      cf: number,
      cfstride: number,
      c: number,
      rn: number,
      a: number,
      _scratch: number,
      s: number,
      n: number,
      k: number,
    ): number {
      const m = mem;
      const f64 = new Float64Array(m.buffer, 0, m.byteLength >> 3);
      const l = new Float64Array(k * k);
      const li = new Float64Array(k * k);
      const acc = new Float64Array(k);
      for (let q = 0; q < s; q++) {
        if (inverseCholeskyInto(m, g / 4 + q * k * k, k, l, li) >= 0) return q;
        const cb = (cf + q * cfstride) / 8;
        const rnq = m[rn / 4 + q];
        const cq = m[c / 4 + q];
        for (let p = 0; p < n; p++) {
          acc.fill(0);
          for (let t = 0; t < k - 1; t++) {
            const coef = f64[cb + p * (k - 1) + t];
            if (coef === 0) continue;
            for (let j = 0; j <= t + 1; j++) acc[j] += coef * li[(t + 1) * k + j];
          }
          const ab = a / 4 + (q * n + p) * k;
          for (let j = 0; j < k; j++) m[ab + j] = rnq * acc[j] + (j === 0 ? cq : 0);
        }
      }
      return -1;
    },
    unitRows(x: number, p: number, slot: number, out: number, b: number, u: number, d: number): void {
      const m = mem;
      const slots = new Int32Array(m.buffer, slot, b);
      for (let j = 0; j < u; j++) normalizeRow(m, p / 4 + j * d, p / 4 + j * d, d);
      for (let i = 0; i < b; i++) {
        const o = out / 4 + i * (2 * d + 2);
        const w = p / 4 + slots[i] * d;
        normalizeRow(m, x / 4 + i * d, o, d);
        const c = Math.fround(pairedSum(d, (t) => m[o + t] * m[w + t]));
        m.copyWithin(o + d, w, w + d);
        m[o + 2 * d] = c;
        m[o + 2 * d + 1] = Math.sqrt(
          pairedSum(d, (t) => {
            const r = Math.fround(m[o + t] - Math.fround(c * m[w + t]));
            return r * r;
          }),
        );
      }
    },
    combine(a: number, v: number, out: number, s: number, n: number, k: number, dp: number): void {
      const m = mem;
      for (let q = 0; q < s; q++) {
        const ab = a / 4 + q * n * k;
        const vb = v / 4 + q * k * dp;
        const ob = out / 4 + q * n * dp;
        for (let p = 0; p < n; p++) {
          for (let t = 0; t < dp; t++) {
            let acc = 0;
            for (let j = 0; j < k; j++) acc += m[ab + p * k + j] * m[vb + j * dp + t];
            m[ob + p * dp + t] = acc;
          }
        }
      }
    },
  };
}
