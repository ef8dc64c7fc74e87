/**
 * Per-epoch expansion threshold (official `SphericalExpansion.update_threshold`).
 * plan 0: cosine threshold, a cosine decay from max to min, floored at lowerBound.
 * plan 1: fraction of the batch, a cosine ramp from min to max over min(epochs, 200) epochs.
 */
export type SelectionPlan = 0 | 1;

export interface ThresholdSettings {
  maxThresh: number;
  minThresh: number;
  lowerBound: number;
}

/** Threshold for `epoch` of `epochs` (float64, as numpy). */
export function expansionThreshold(plan: SelectionPlan, epoch: number, epochs: number, s: ThresholdSettings): number {
  if (plan !== 0 && plan !== 1) throw new Error(`expansionThreshold: plan must be 0 or 1, got ${String(plan)}`);
  if (!(epochs > 0)) throw new Error(`expansionThreshold: epochs must be > 0, got ${epochs}`);
  if (!(epoch >= 0)) throw new Error(`expansionThreshold: epoch must be >= 0, got ${epoch}`);
  const delta = s.maxThresh - s.minThresh;
  if (plan === 0) {
    return Math.max(s.lowerBound, s.minThresh + delta * ((Math.cos((Math.PI * epoch) / epochs) + 1.0) / 2.0));
  }
  return s.maxThresh - delta * ((Math.cos((Math.PI * Math.min(epoch, 200)) / Math.min(epochs, 200)) + 1.0) / 2.0);
}

/** Thresholds for epochs 0..epochs inclusive. */
export function thresholdSchedule(plan: SelectionPlan, epochs: number, s: ThresholdSettings): number[] {
  const out: number[] = [];
  for (let e = 0; e <= epochs; e++) out.push(expansionThreshold(plan, e, epochs, s));
  return out;
}
