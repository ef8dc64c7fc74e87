/**
 * Per-query thresholds for the counting pass: the exact similarities of the query's same-label
 * references, sorted from most to least similar (CSR layout), and a cap per threshold beyond
 * which its count no longer matters.
 *
 * Recall@K only needs the best positive (one threshold, cap = max K): a query is a hit at K when
 * fewer than K other-label references are strictly more similar (Proxy-Anchor `evaluate_cos_Inshop`).
 * MAP@R needs all R positives: positive m (1-based) sits at rank m + c_m, where c_m counts the
 * other-label references strictly more similar; it only matters while m + c_m <= R (cap R - m + 1).
 */
import { exactDot } from './exact_dot';

export interface ThresholdTables {
  /** [Q + 1] start of each query's thresholds */
  offsets: Int32Array;
  /** exact similarities of the kept positives, descending within a query */
  sims: Float64Array;
  /** counts at or above a cap are only known to be >= cap */
  caps: Int32Array;
  /** [Q] number of same-label references of each query (R in MAP@R) */
  positives: Int32Array;
}

export interface ThresholdOptions {
  /** largest K of Recall@K, 0 when Recall@K is not wanted */
  maxK: number;
  /** keep every positive (MAP@R, R-Precision) */
  allPositives: boolean;
  /** query i and reference i are the same item (one labelled set): never pair them */
  selfIndex: boolean;
}

/** Groups reference indices by label. */
function indexByLabel(labels: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let j = 0; j < labels.length; j++) {
    const g = groups.get(labels[j]);
    if (g) g.push(j);
    else groups.set(labels[j], [j]);
  }
  return groups;
}

export function buildThresholds(
  q: Float32Array,
  qLabels: Int32Array,
  g: Float32Array,
  gLabels: Int32Array,
  dim: number,
  options: ThresholdOptions,
): ThresholdTables {
  const nq = qLabels.length;
  const groups = indexByLabel(gLabels);
  const offsets = new Int32Array(nq + 1);
  const positives = new Int32Array(nq);
  for (let i = 0; i < nq; i++) {
    const members = groups.get(qLabels[i]) ?? [];
    let r = members.length;
    if (options.selfIndex && i < gLabels.length && gLabels[i] === qLabels[i]) r -= 1;
    positives[i] = r;
    offsets[i + 1] = offsets[i] + (options.allPositives ? r : Math.min(r, 1));
  }
  const sims = new Float64Array(offsets[nq]);
  const caps = new Int32Array(offsets[nq]);
  const buf: number[] = [];
  for (let i = 0; i < nq; i++) {
    const r = positives[i];
    if (r === 0) continue;
    buf.length = 0;
    for (const j of groups.get(qLabels[i]) ?? []) {
      if (options.selfIndex && j === i) continue;
      buf.push(exactDot(q, i, g, j, dim));
    }
    buf.sort((a, b) => b - a);
    const o = offsets[i];
    const kept = offsets[i + 1] - o;
    for (let m = 0; m < kept; m++) {
      sims[o + m] = buf[m];
      caps[o + m] = m === 0 ? Math.max(options.maxK, options.allPositives ? r : 0) : r - m;
    }
  }
  return { offsets, sims, caps, positives };
}
