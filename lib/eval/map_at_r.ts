/**
 * MAP@R and R-Precision (Musgrave, Belongie & Lim, "A Metric Learning Reality Check", ECCV 2020,
 * section 3.2): for a query with R same-label references, look at its R nearest neighbours;
 * R-Precision = (same-label among them) / R and AP@R = (1/R) sum_{i<=R} P(i) [item i is same-label],
 * P(i) = precision of the first i. Means over queries with R >= 1; queries with R = 0 are left
 * out (as pytorch-metric-learning does) and counted in `excluded`.
 * With positives sorted by exact similarity s_1 >= ... >= s_R and c_m other-label references
 * strictly more similar than s_m, positive m sits at rank m + c_m (ties go to the same-label item).
 */
import type { ThresholdTables } from './thresholds';

export interface MapAtR {
  mapAtR: number;
  rPrecision: number;
  /** queries with no same-label reference (left out of both means) */
  excluded: number;
}

export function mapAtRFromCounts(tables: ThresholdTables, counts: Int32Array): MapAtR {
  const nq = tables.positives.length;
  let apSum = 0;
  let rpSum = 0;
  let used = 0;
  for (let i = 0; i < nq; i++) {
    const r = tables.positives[i];
    if (r === 0) continue;
    const o = tables.offsets[i];
    if (tables.offsets[i + 1] - o !== r)
      throw new Error(
        `mapAtRFromCounts: query ${i} has ${tables.offsets[i + 1] - o} thresholds, expected R = ${r} (build them with allPositives)`,
      );
    let ap = 0;
    let inTop = 0;
    for (let m = 1; m <= r; m++) {
      const rank = m + counts[o + m - 1];
      if (rank > r) break;
      ap += m / rank;
      inTop = m;
    }
    apSum += ap / r;
    rpSum += inTop / r;
    used++;
  }
  return { mapAtR: used ? apSum / used : NaN, rPrecision: used ? rpSum / used : NaN, excluded: nq - used };
}
