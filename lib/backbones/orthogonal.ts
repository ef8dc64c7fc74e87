/**
 * Orthogonal initialisation as torch.nn.init.orthogonal_(gain=1): a Gaussian matrix, QR of its
 * tall orientation with the signs of R's diagonal made positive (Gram-Schmidt gives exactly that
 * Q), transposed back if needed. Seeded, so runs are reproducible.
 */
import { seededNormal } from '../random';

/**
 * A [rows, cols] row-major matrix whose columns are orthonormal when rows >= cols, and whose
 * rows are orthonormal otherwise.
 */
export function orthogonalMatrix(rows: number, cols: number, seed: number): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols; // length of each vector
  const k = tall ? cols : rows; // number of vectors
  const g = seededNormal(n * k, seed);
  const q: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = Float64Array.from(g.subarray(j * n, (j + 1) * n));
    for (let pass = 0; pass < 2; pass++) {
      // modified Gram-Schmidt, twice for numerical orthogonality
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-10) throw new Error(`orthogonalMatrix: degenerate Gaussian draw at vector ${j} (seed ${seed})`);
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      if (tall)
        out[i * cols + j] = q[j][i]; // column j
      else out[j * cols + i] = q[j][i]; // row j
    }
  }
  return out;
}
