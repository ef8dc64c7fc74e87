/**
 * Small float64 linear algebra for the batched Gram-Schmidt: Cholesky of a Gram matrix and the
 * inverse of its lower factor. With G = V V^T = L L^T, the rows of Q = L^{-1} V are exactly the
 * classical Gram-Schmidt basis of the rows of V, in order (same vectors, positive diagonal).
 * The WebAssembly kernel `point_coefficients` (kernels/expansion_kernels.wat) does the same
 * operations in the same order.
 */

/** pivots at or below this mean a basis vector is linearly dependent on the ones before it */
export const MIN_PIVOT = 1e-10;

/**
 * Writes the inverse of the Cholesky factor of the k x k Gram matrix `g` (row-major at offset
 * `off`; only its lower triangle is read) into `inv` (k*k, lower triangle; `l` k*k scratch).
 * Returns -1, or the first row whose pivot is <= MIN_PIVOT (its value left in l[row * k + row]).
 */
export function inverseCholeskyInto(g: ArrayLike<number>, off: number, k: number, l: Float64Array, inv: Float64Array): number {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[off + i * k + j];
      for (let t = 0; t < j; t++) s -= l[i * k + t] * l[j * k + t];
      if (i === j) {
        if (!(s > MIN_PIVOT)) {
          l[i * k + i] = s;
          return i;
        }
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j];
      }
    }
  }
  for (let col = 0; col < k; col++) {
    for (let i = col; i < k; i++) {
      let s = i === col ? 1 : 0;
      for (let t = col; t < i; t++) s -= l[i * k + t] * inv[t * k + col];
      inv[i * k + col] = s / l[i * k + i];
    }
  }
  return -1;
}

/** inverseCholeskyInto, throwing an error that names `where` when a basis vector is dependent */
export function inverseCholeskyFactor(
  g: ArrayLike<number>,
  off: number,
  k: number,
  where: string,
  l: Float64Array = new Float64Array(k * k),
  inv: Float64Array = new Float64Array(k * k),
): Float64Array {
  const row = inverseCholeskyInto(g, off, k, l, inv);
  if (row >= 0) {
    throw new Error(
      `${where}: basis vector ${row} is linearly dependent on the ones before it (pivot ${l[row * k + row]}); the embedding dimension is too small for the requested expansions or the noise is degenerate`,
    );
  }
  return inv;
}
