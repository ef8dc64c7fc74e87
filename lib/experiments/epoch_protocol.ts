/**
 * Which epoch of a run its numbers come from. The official code (and so the paper's table) reports
 * the epoch with the best test Recall@1: the test set chooses the epoch, which flatters every method
 * alike. Musgrave et al. ("A Metric Learning Reality Check", ECCV 2020) choose it on a validation
 * split instead: classes held out from training (`validationClasses` of the run specification).
 * `best-test` stays the default for table rows; every printed table names the protocol it used.
 * Metric values here are in percent, keyed by their printed names (R@K, MAP@R, RP, NMI).
 */
import type { EvalMetrics } from '../train/contracts';
import type { EvalRecord, RunMetrics } from '../train/loop';

export type EpochProtocol = 'best-test' | 'last' | 'validation';

export const EPOCH_PROTOCOLS: Record<EpochProtocol, string> = {
  'best-test': "best test epoch (the epoch with the highest test R@1: the official code's protocol, which the paper reports)",
  last: 'last epoch',
  validation: 'validation-selected epoch (the highest R@1 on training classes held out as a validation split, as the Reality Check asks)',
};

export function parseEpochProtocol(value: unknown, where: string): EpochProtocol {
  if (typeof value === 'string' && value in EPOCH_PROTOCOLS) return value as EpochProtocol;
  throw new Error(`${where}: protocol ${JSON.stringify(value)}, expected one of ${Object.keys(EPOCH_PROTOCOLS).join(', ')}`);
}

/** The evaluation a protocol picks; undefined for `validation` when the run had no validation split. */
export function recordOf(metrics: RunMetrics, protocol: EpochProtocol): EvalRecord | undefined {
  if (protocol === 'best-test') return metrics.best;
  if (protocol === 'last') return metrics.last;
  return metrics.selectedByValidation;
}

/** Test metrics in percent: R@K for each K, then MAP@R, RP (R-Precision) and NMI where computed. */
export function metricValues(test: EvalMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(test.recallAtK)
    .map(Number)
    .sort((a, b) => a - b))
    out[`R@${k}`] = 100 * test.recallAtK[String(k)];
  if (test.mapAtR !== undefined) out['MAP@R'] = 100 * test.mapAtR;
  if (test.rPrecision !== undefined) out.RP = 100 * test.rPrecision;
  if (test.nmi !== undefined) out.NMI = 100 * test.nmi;
  return out;
}
