/**
 * The similarity every decision is finally made with: the dot product of two float32 rows
 * summed in float64 in index order. Each float32 x float32 product is exact in float64, so the
 * value is symmetric (dot(a, b) === dot(b, a)) and reproducible; ties are exact ties of it.
 */
export function exactDot(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  const ao = ai * dim;
  const bo = bi * dim;
  for (let k = 0; k < dim; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/**
 * Bound on |float32 GEMM value - exactDot| for rows of norm at most `maxNormA`, `maxNormB`:
 * any summation order of D products errs by at most gamma_D * sum|a_k b_k| <= gamma_D |a||b|
 * (Higham, Accuracy and Stability, eq. 3.5), plus the final rounding to float32; doubled for margin.
 */
export function gemmErrorBound(dim: number, maxNormA: number, maxNormB: number): number {
  const u = 2 ** -24;
  return 2 * (dim + 2) * u * maxNormA * maxNormB + 1e-30;
}
