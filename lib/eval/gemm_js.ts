/**
 * Plain-JS block GEMM: out[i, j] = sum_k a[i, k] * b[j, k] (a [M, D], b [N, D] row-major, out [M, N]).
 * A 4 x 4 register tile; accumulates in float64 (JS numbers). About 2-3 GFLOP/s on one core here,
 * against 17-31 GFLOP/s for tfjs-wasm's XNNPACK matMul and more for the kit's own wasm product
 * (lib/backend/wasm_kernels/gemm.ts): used for small sets and as a fallback.
 */
export function gemmAbT(
  a: Float32Array,
  aRow0: number,
  m: number,
  b: Float32Array,
  bRow0: number,
  n: number,
  dim: number,
  out: Float32Array,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = (aRow0 + i) * dim,
      a1 = a0 + dim,
      a2 = a1 + dim,
      a3 = a2 + dim;
    for (let j = 0; j < n4; j += 4) {
      const b0 = (bRow0 + j) * dim,
        b1 = b0 + dim,
        b2 = b1 + dim,
        b3 = b2 + dim;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let k = 0; k < dim; k++) {
        const x0 = a[a0 + k],
          x1 = a[a1 + k],
          x2 = a[a2 + k],
          x3 = a[a3 + k];
        const y0 = b[b0 + k],
          y1 = b[b1 + k],
          y2 = b[b2 + k],
          y3 = b[b3 + k];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      let o = i * n + j;
      out[o] = c00;
      out[o + 1] = c01;
      out[o + 2] = c02;
      out[o + 3] = c03;
      o += n;
      out[o] = c10;
      out[o + 1] = c11;
      out[o + 2] = c12;
      out[o + 3] = c13;
      o += n;
      out[o] = c20;
      out[o + 1] = c21;
      out[o + 2] = c22;
      out[o + 3] = c23;
      o += n;
      out[o] = c30;
      out[o + 1] = c31;
      out[o + 2] = c32;
      out[o + 3] = c33;
    }
  }
  // ragged edges: plain dot products
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = 0;
      const ao = (aRow0 + i) * dim,
        bo = (bRow0 + j) * dim;
      for (let k = 0; k < dim; k++) s += a[ao + k] * b[bo + k];
      out[i * n + j] = s;
    }
  }
}
