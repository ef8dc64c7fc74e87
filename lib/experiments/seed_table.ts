/**
 * `see-kit table`: finished runs pooled over seeds (./seed_groups.ts), one line per configuration,
 * mean ± half-width of the 95% interval (where a group has more than one seed) beside the paper's
 * Recall@K and the difference, then MAP@R and R-Precision; the protocol the numbers come from is
 * printed above the table.
 */
import * as aq from 'arquero';
import type { SeedSummary } from '../stats/intervals';
import { DEFAULT_RUNS_ROOT } from '../train/run_dir';
import { EPOCH_PROTOCOLS, type EpochProtocol } from './epoch_protocol';
import { tableToText, type ResultRecord } from './results_table';
import { finishedSeedGroups, type SeedGroup } from './seed_groups';

/** `47.9 ± 3.1` (one decimal, as the paper), or `47.9` for one seed. */
export function formatSummary(s: SeedSummary | undefined, signed = false): string | null {
  if (!s) return null;
  const m = `${signed && s.mean >= 0 ? '+' : ''}${s.mean.toFixed(1)}`;
  return s.halfWidth === null ? m : `${m} ± ${s.halfWidth.toFixed(1)}`;
}

/** One record per group: group, dataset, n, seeds, R@K (± interval), paper R@K, kit - paper, MAP@R, RP, val R@1. */
export function seedGroupRecords(groups: SeedGroup[]): ResultRecord[] {
  return groups.map((g) => {
    const rec: ResultRecord = { group: g.label, dataset: g.dataset, n: g.runs.length, seeds: g.seeds.map((s) => s ?? '?').join(',') };
    for (const [name, s] of Object.entries(g.metrics).filter(([n]) => n.startsWith('R@'))) {
      rec[name] = formatSummary(s);
      const paper = g.paper?.[name.slice(2)];
      if (g.paper && name.slice(2) in g.paper) {
        rec[`paper ${name}`] = paper ?? null;
        rec[`kit - paper ${name}`] = paper === null || paper === undefined ? null : formatSummary({ ...s, mean: s.mean - paper }, true);
      }
    }
    for (const name of ['MAP@R', 'RP', 'NMI']) if (g.metrics[name]) rec[name] = formatSummary(g.metrics[name]);
    if (g.validationR1) rec['val R@1'] = formatSummary(g.validationR1);
    return rec;
  });
}

/** The text `see-kit table` prints. */
export function seedTableText(root = DEFAULT_RUNS_ROOT, protocol: EpochProtocol = 'best-test'): string {
  const groups = finishedSeedGroups(root, protocol);
  if (groups.length === 0) return `no finished runs under ${root} (a run is finished when it has metrics.json)`;
  const records = seedGroupRecords(groups);
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const table = aq.from(records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))));
  return [
    `finished runs under ${root}, pooled over seeds (runs that differ only in train.seed form one group; n runs)`,
    `R@K, MAP@R, RP (R-Precision), NMI in %, at the ${EPOCH_PROTOCOLS[protocol]}${protocol === 'best-test' ? '' : '; the paper reports the best test epoch'}`,
    'a ± b: mean ± half-width of the 95% Student-t interval over the seeds (a single number: one seed)' +
      (records.some((r) => r['val R@1']) ? '; val R@1: test R@1 at the epoch chosen on the validation split' : ''),
    tableToText(table),
  ].join('\n');
}
