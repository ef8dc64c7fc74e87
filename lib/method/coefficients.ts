/**
 * Coefficient matrices of the expansion (SEE, Le & Woo, PAKDD 2024, Sec. 3;
 * official `SphericalExpansion.init_bweights` and `random_sum_zero`).
 * simplexCoefficients(n): (n+1)x(n+1), rows = vertices of a regular simplex (Max-Mahalanobis
 * centres): row 0 = e0, unit rows, pairwise dot -1/n, last column zero. Built in float64.
 */
import type { SeededRandom } from '../random';

function assertN(n: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: n (expansions per sample) must be an integer >= 1, got ${n}`);
}

/** The Max-Mahalanobis coefficient matrix, rows of length n+1 (float64). */
export function simplexCoefficients(n: number): Float64Array[] {
  assertN(n, 'simplexCoefficients');
  const k = n + 1;
  const rows: Float64Array[] = [];
  for (let i = 0; i < k; i++) rows.push(new Float64Array(k));
  rows[0][0] = 1;
  for (let i = 1; i < k; i++) rows[i][0] = -1 / n;
  for (let i = 1; i < k; i++) {
    for (let j = 1; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < j; t++) dot += rows[i][t] * rows[j][t];
      rows[i][j] = (-1 / n - dot) / rows[j][j];
    }
    let sq = 0;
    for (let t = 0; t < i; t++) sq += rows[i][t] * rows[i][t];
    rows[i][i] = Math.sqrt(Math.max(0, 1 - sq));
  }
  rows[n][n] = 0; // n+1 simplex vertices span n dimensions
  return rows;
}

/**
 * The random-coefficient ablation (`--random True`): n standard-normal rows of length n+1 and a
 * last row equal to minus their sum, so the n+1 rows sum to the zero vector.
 */
export function randomSumZeroCoefficients(n: number, random: SeededRandom): Float64Array[] {
  assertN(n, 'randomSumZeroCoefficients');
  const k = n + 1;
  const rows: Float64Array[] = [];
  const last = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      row[j] = Math.fround(random.normal());
      last[j] -= row[j];
    }
    rows.push(row);
  }
  rows.push(last);
  return rows;
}
