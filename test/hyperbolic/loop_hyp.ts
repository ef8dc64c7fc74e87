/**
 * Plain-loop float64 versions of the Hyp geometry and loss for the tests, from the textbook
 * formulas rather than hyptorch's: the Poincare distance by arcosh,
 *   d(x, y) = arcosh(1 + 2c |x - y|^2 / ((1 - c|x|^2)(1 - c|y|^2))) / sqrt(c),
 * and the loss of lib/losses/hyp_contrastive.ts written as loops over view pairs, rows and logits.
 */
import { gaussian, mulberry32 } from '../../lib/random';
import { dot } from '../method/loop_reference';

export type Mat = number[][];

export function poincareDistance(x: number[], y: number[], c: number): number {
  const d2 = x.reduce((s, v, k) => s + (v - y[k]) ** 2, 0);
  return Math.acosh(1 + (2 * c * d2) / ((1 - c * dot(x, x)) * (1 - c * dot(y, y)))) / Math.sqrt(c);
}

/** s(x, y): minus the Poincare distance (c > 0) or the dot product (c = 0) */
export function similarity(x: number[], y: number[], c: number): number {
  return c === 0 ? dot(x, y) : -poincareDistance(x, y, c);
}

/** rows [P*m][d], row p*m + v view v of class p: the sum over ordered view pairs of the mean cross-entropy */
export function hypLoss(rows: Mat, classes: number, views: number, c: number, tau: number): number {
  const at = (p: number, v: number): number[] => rows[p * views + v];
  let total = 0;
  for (let i = 0; i < views; i++) {
    for (let j = 0; j < views; j++) {
      if (i === j) continue;
      let pairLoss = 0;
      for (let p = 0; p < classes; p++) {
        const logits: number[] = [];
        for (let q = 0; q < classes; q++) logits.push(similarity(at(p, i), at(q, j), c) / tau);
        for (let q = 0; q < classes; q++) if (q !== p) logits.push(similarity(at(p, i), at(q, i), c) / tau); // its own view: masked
        const max = Math.max(...logits);
        const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
        pairLoss += lse - logits[p];
      }
      total += pairLoss / classes;
    }
  }
  return total;
}

/** Random points of the ball of curvature c (norms up to `fraction` of its radius), or unit vectors for c = 0. */
export function ballPoints(n: number, d: number, c: number, seed: number, fraction = 0.7): Mat {
  const uniform = mulberry32(seed);
  const normal = gaussian(uniform);
  return Array.from({ length: n }, () => {
    const g = Array.from({ length: d }, () => normal());
    const norm = Math.sqrt(dot(g, g));
    const radius = c === 0 ? 1 : (fraction * uniform()) / Math.sqrt(c);
    return g.map((v) => (v / norm) * radius);
  });
}
