/**
 * Recall@K as deep metric learning reports it (not IR recall): the fraction of queries with a
 * same-label reference among their K nearest neighbours by cosine. Computed without sorting:
 * a query is a hit at K when fewer than K other-label references are STRICTLY more similar than
 * its most similar same-label reference, so a tie goes to the same-label item (the rule of the
 * official In-Shop code, Proxy-Anchor `evaluate_cos_Inshop`). A query without any same-label
 * reference is a miss at every K and stays in the denominator, as in the official top-k code.
 */
import type { ThresholdTables } from './thresholds';

export interface RecallAtK {
  k: number;
  recall: number;
}

export function recallFromCounts(tables: ThresholdTables, counts: Int32Array, ks: readonly number[]): RecallAtK[] {
  const nq = tables.positives.length;
  return ks.map((k) => {
    let hits = 0;
    for (let i = 0; i < nq; i++) {
      if (tables.positives[i] > 0 && counts[tables.offsets[i]] < k) hits++;
    }
    return { k, recall: hits / nq };
  });
}
