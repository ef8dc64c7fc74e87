/**
 * The results table, one line per finished run (`see-kit table --runs`; `see-kit table` pools seeds,
 * ./seed_table.ts): every finished run under the runs root (and in sweep folders one level down)
 * beside the paper's number for its row, with the difference, built with arquero. Metrics in percent.
 * Columns per K of the paper's table: best-epoch R@K (what the official code reports), last-epoch
 * R@K, paper R@K and best - paper; then best-epoch MAP@R and R-Precision where computed.
 */
import { relative } from 'node:path';
import * as aq from 'arquero';
import { DEFAULT_RUNS_ROOT } from '../train/run_dir';
import { findFinishedRuns } from './seed_groups';
import { getRow } from './registry';

export type ResultRecord = Record<string, string | number | null>;

const round1 = (x: number): number => Math.round(x * 1000) / 10;

/** One record per finished run. */
export function resultRecords(root = DEFAULT_RUNS_ROOT): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const { dir, config, metrics: m } of findFinishedRuns(root)) {
    const cfg = config as { row?: string | null; name?: string; dataset?: string };
    let paper: Record<string, number | null> | null = null;
    if (cfg.row) {
      try {
        paper = getRow(cfg.row).paper;
      } catch {
        paper = null; // a row id from an older registry: the run is still listed
      }
    }
    const ks = Object.keys(m.best.test.recallAtK)
      .map(Number)
      .sort((a, b) => a - b);
    const rec: ResultRecord = {
      run: relative(root, dir.path),
      row: cfg.row ?? null,
      dataset: cfg.dataset ?? null,
      bestEpoch: m.best.epoch,
      lastEpoch: m.last.epoch,
    };
    for (const k of ks) {
      const best = round1(m.best.test.recallAtK[String(k)]);
      const p = paper?.[String(k)] ?? null;
      rec[`R@${k}`] = best;
      rec[`last R@${k}`] = round1(m.last.test.recallAtK[String(k)]);
      if (paper && String(k) in paper) {
        rec[`paper R@${k}`] = p;
        rec[`diff R@${k}`] = p === null ? null : Math.round((best - p) * 10) / 10;
      }
    }
    if (m.best.test.mapAtR !== undefined) rec['MAP@R'] = round1(m.best.test.mapAtR);
    if (m.best.test.rPrecision !== undefined) rec.RP = round1(m.best.test.rPrecision);
    if (m.selectedByValidation) rec['val-selected R@1'] = round1(m.selectedByValidation.test.recallAtK[String(ks[0])]);
    out.push(rec);
  }
  return out;
}

/** The arquero table of resultRecords (columns: the union over runs, missing cells null). */
export function resultsTable(records: ResultRecord[]): ReturnType<typeof aq.from> {
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  // each K's columns together, in K order, whichever run had them first; MAP@R, RP and validation after
  const kOf = (c: string): number => Number(/R@(\d+)$/.exec(c)?.[1] ?? Infinity);
  const rank = (c: string): number =>
    c.startsWith('val') ? 3 : /R@\d+$/.test(c) && !c.startsWith('val') ? 1 : c === 'MAP@R' || c === 'RP' ? 2 : 0;
  columns.sort((a, b) => rank(a) - rank(b) || (rank(a) === 1 ? kOf(a) - kOf(b) : 0));
  const filled = records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
  return aq.from(filled).orderby('dataset', 'row', 'run');
}

/** Fixed-width text of an arquero table; null cells print as "-". */
export function tableToText(table: ReturnType<typeof aq.from>): string {
  const names = table.columnNames();
  const cells = (table.objects() as Record<string, unknown>[]).map((r) =>
    names.map((n) => (r[n] === null || r[n] === undefined ? '-' : String(r[n]))),
  );
  const widths = names.map((n, j) => Math.max(n.length, ...cells.map((c) => c[j].length)));
  const line = (v: string[]): string =>
    v
      .map((x, j) => x.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Text for the terminal (one line per run); says so when there is nothing yet. */
export function resultsText(root = DEFAULT_RUNS_ROOT): string {
  const records = resultRecords(root);
  if (records.length === 0) return `no finished runs under ${root} (a run is finished when it has metrics.json)`;
  return [
    "R@K, MAP@R, RP (R-Precision): at the best test epoch (the epoch with the highest test R@1: the official code's protocol, which the paper reports); last R@K: the last epoch; val-selected R@1: test R@1 at the epoch chosen on a validation split",
    tableToText(resultsTable(records)),
  ].join('\n');
}
