/**
 * Ranking by Poincare distance as a dot product, so the blocked exact evaluator (knn_blocks.ts,
 * count_kernel.ts) ranks hyperbolic embeddings unchanged. On the ball of curvature c,
 *   cosh(sqrt(c) d(x, y)) = 1 + 2c |x - y|^2 / ((1 - c|x|^2)(1 - c|y|^2)),
 * so for a fixed query x the references rank by a_y |x - y|^2 with a_y = 1 / (1 - c|y|^2), and
 *   -a_y |x - y|^2 = [x, |x|^2, 1] . [2 a_y y, -a_y, -a_y |y|^2]:
 * a larger dot product of the lifted query and the lifted reference is a nearer reference. The
 * lifted rows are computed in float64 and stored in float32; ties and near-ties are decided on
 * them exactly (exact_dot.ts), which equals hyptorch's ranking (dist_matrix) except for distances
 * equal to within float32 rounding, and except where hyptorch's artanh clamp makes far points tie
 * (never with its clip radius 2.3 and c = 0.1). The score is not symmetric in x and y, so one
 * labelled set is ranked as queries against references with the query's own index masked.
 */
import type { EmbeddingSet } from './embedding_set';

/** |row i|^2 in float64 */
function squaredNorm(embeddings: Float32Array, dim: number, i: number): number {
  let s = 0;
  for (let k = i * dim; k < (i + 1) * dim; k++) s += embeddings[k] * embeddings[k];
  return s;
}

function checkBall(set: EmbeddingSet, c: number, what: string): void {
  if (!(c > 0)) throw new Error(`${what}: Poincare ranking needs a curvature c > 0, got ${c}`);
  const { embeddings, dim } = set;
  for (let i = 0; i < embeddings.length / dim; i++) {
    const s = squaredNorm(embeddings, dim, i);
    if (!(c * s < 1))
      throw new Error(`${what}: row ${i} has c|x|^2 = ${c * s}, outside the Poincare ball of curvature ${c} (expected < 1)`);
  }
}

/** Queries [N, D] -> [N, D + 2]: [x, |x|^2, 1]. */
export function liftQueries(set: EmbeddingSet, c: number, what = 'query'): EmbeddingSet {
  checkBall(set, c, what);
  const { embeddings, dim, labels } = set;
  const n = embeddings.length / dim;
  const out = new Float32Array(n * (dim + 2));
  for (let i = 0; i < n; i++) {
    out.set(embeddings.subarray(i * dim, (i + 1) * dim), i * (dim + 2));
    out[i * (dim + 2) + dim] = squaredNorm(embeddings, dim, i);
    out[i * (dim + 2) + dim + 1] = 1;
  }
  return { embeddings: out, labels, dim: dim + 2 };
}

/** References [N, D] -> [N, D + 2]: [2 a y, -a, -a |y|^2] with a = 1 / (1 - c|y|^2). */
export function liftReferences(set: EmbeddingSet, c: number, what = 'gallery'): EmbeddingSet {
  checkBall(set, c, what);
  const { embeddings, dim, labels } = set;
  const n = embeddings.length / dim;
  const out = new Float32Array(n * (dim + 2));
  for (let i = 0; i < n; i++) {
    const s = squaredNorm(embeddings, dim, i);
    const a = 1 / (1 - c * s);
    for (let k = 0; k < dim; k++) out[i * (dim + 2) + k] = 2 * a * embeddings[i * dim + k];
    out[i * (dim + 2) + dim] = -a;
    out[i * (dim + 2) + dim + 1] = -a * s;
  }
  return { embeddings: out, labels, dim: dim + 2 };
}
