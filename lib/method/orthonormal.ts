/**
 * Small float64 linear algebra for the batched Gram-Schmidt: Cholesky of a Gram matrix and the
 * inverse of its lower factor. With G = V V^T = L L^T, the rows of Q = L^{-1} V are exactly the
 * classical Gram-Schmidt basis of the rows of V, in order (same vectors, positive diagonal).
 */

/**
 * Inverse of the Cholesky factor of the k x k Gram matrix `g` (row-major, offset `off`; only its lower
 * triangle is read). `l` and `inv` (k*k each) may be passed to reuse them; `inv` is returned.
 */
export function inverseCholeskyFactor(g: ArrayLike<number>, off: number, k: number, where: string,
  l: Float64Array = new Float64Array(k * k), inv: Float64Array = new Float64Array(k * k)): Float64Array {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[off + i * k + j];
      for (let t = 0; t < j; t++) s -= l[i * k + t] * l[j * k + t];
      if (i === j) {
        if (!(s > 1e-10)) {
          throw new Error(`${where}: basis vector ${i} is linearly dependent on the ones before it (pivot ${s}); the embedding dimension is too small for the requested expansions or the noise is degenerate`);
        }
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j];
      }
    }
  }
  inv.fill(0, 0, k * k);
  for (let col = 0; col < k; col++) {
    for (let i = col; i < k; i++) {
      let s = i === col ? 1 : 0;
      for (let t = col; t < i; t++) s -= l[i * k + t] * inv[t * k + col];
      inv[i * k + col] = s / l[i * k + i];
    }
  }
  return inv;
}
