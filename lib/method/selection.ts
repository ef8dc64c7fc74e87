/**
 * Which samples of a batch are expanded (official `SphericalExpansion.spherical_aug`).
 * plan 0: cos(z_i, w_{y_i}) >= threshold (compared in float32, as torch compares a float32
 * tensor with a Python float). plan 1: the round(B * threshold) samples with the highest cosine,
 * numpy rounding (half to even); ties keep the earlier sample.
 */
import type { SelectionPlan } from './schedule';

/** numpy's np.round: nearest integer, halves to even. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Number of samples plan 1 expands in a batch of `batchSize`. */
export function planOneCount(batchSize: number, fraction: number): number {
  return Math.max(0, Math.min(batchSize, roundHalfEven(batchSize * fraction)));
}

/** selected[i] for each score (cosine of sample i to its own proxy). */
export function selectForExpansion(scores: ArrayLike<number>, plan: SelectionPlan, threshold: number): boolean[] {
  if (!Number.isFinite(threshold)) throw new Error(`selectForExpansion: threshold must be finite, got ${threshold}`);
  const b = scores.length;
  const selected = new Array<boolean>(b).fill(false);
  if (plan === 0) {
    const t = Math.fround(threshold);
    for (let i = 0; i < b; i++) selected[i] = scores[i] >= t;
    return selected;
  }
  if (plan !== 1) throw new Error(`selectForExpansion: plan must be 0 or 1, got ${String(plan)}`);
  const k = planOneCount(b, threshold);
  const order = Array.from({ length: b }, (_, i) => i);
  order.sort((i, j) => scores[j] - scores[i] || i - j);
  for (let r = 0; r < k; r++) selected[order[r]] = true;
  return selected;
}
