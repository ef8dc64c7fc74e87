/**
 * A sweep's results as text: one line per variant (mean ± half-width of the interval over its
 * seeds), one per comparison (the paired difference ± its half-width), a column per metric; then,
 * for each comparison, a plain sentence saying on which metrics the difference is significant.
 */
import type { PairedDifference, SeedSummary } from '../stats/intervals';
import type { Comparison, SweepResults } from './gather';

const fixed = (x: number, signed = false): string => `${signed && x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** `45.93 ± 3.12`, or `45.93` for one seed. */
export function meanPlusMinus(s: SeedSummary, signed = false): string {
  return s.halfWidth === null ? fixed(s.mean, signed) : `${fixed(s.mean, signed)} ± ${s.halfWidth.toFixed(2)}`;
}

function pValue(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p ${p.toFixed(3)}`;
}

/** What a comparison says, in words. */
export function comparisonSentence(c: Comparison, level: number): string {
  const names = Object.keys(c.metrics);
  const first = c.metrics[names[0]];
  const pairs = `${first.n} paired seed${first.n === 1 ? '' : 's'} (${first.seeds.join(', ')})`;
  const head = `${c.variant} - ${c.baseline} over ${pairs}`;
  if (first.n < 2) return `${head}: one pair has no spread, so no interval and no test; run more seeds before concluding.`;
  const describe = (m: string, d: PairedDifference): string =>
    `${m} ${fixed(d.mean, true)} [${fixed(d.mean - (d.halfWidth ?? 0))}, ${fixed(d.mean + (d.halfWidth ?? 0))}], ${pValue(d.p ?? 1)}`;
  const sig = names.filter((m) => c.metrics[m].significant);
  const pct = `${Math.round(level * 100)}%`;
  const verdict =
    sig.length === 0
      ? `no significant difference on any metric at the ${pct} level (every interval contains 0)`
      : `significant at the ${pct} level on ${sig.join(', ')} (the interval excludes 0); not significant on ${names.filter((m) => !sig.includes(m)).join(', ') || 'none'}`;
  const unpaired = c.unpaired.length ? `; seeds left out (only one side finished): ${c.unpaired.join(', ')}` : '';
  return `${head}: ${verdict}. ${names.map((m) => describe(m, c.metrics[m])).join('; ')}${unpaired}.`;
}

/**
 * The whole report. `labels` renames variants for printing (e.g. PA -> Proxy-Anchor). With at most
 * four variants and comparisons together, metrics are rows and they are columns; otherwise the reverse.
 */
export function sweepReport(r: SweepResults, labels: Record<string, string> = {}): string {
  const label = (v: string): string => labels[v] ?? v;
  const entries: [string, string[]][] = [
    ...r.cells.map((c): [string, string[]] => [
      `${label(c.variant)} (n ${c.seeds.length})`,
      r.metricNames.map((m) => (c.metrics[m] ? meanPlusMinus(c.metrics[m]) : '-')),
    ]),
    ...r.comparisons.map((c): [string, string[]] => [
      `${label(c.variant)} - ${label(c.baseline)}${entriesWide(r) ? ' (paired)' : ''}`,
      r.metricNames.map((m) => (c.metrics[m] ? meanPlusMinus(c.metrics[m], true) : '-')),
    ]),
  ];
  // the grid: a header row and labelled rows; metrics as rows when there are few entries
  const grid: string[][] = entriesWide(r)
    ? [['', ...r.metricNames], ...entries.map(([l, v]) => [l, ...v])]
    : [['metric (%)', ...entries.map(([l]) => l)], ...r.metricNames.map((m, j) => [m, ...entries.map(([, v]) => v[j])])];
  const widths = grid[0].map((_, j) => Math.max(...grid.map((row) => row[j].length)));
  const line = (row: string[]): string =>
    row
      .map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  const pct = `${Math.round(r.level * 100)}%`;
  const out = [
    `sweep ${r.name}: ${r.runs.length} finished run(s); metrics (%) at the ${r.protocolText}`,
    `mean ± half-width of the ${pct} Student-t interval over seeds; a difference${entriesWide(r) ? '' : ' (A - B, paired by seed)'} is significant when its interval excludes 0 (paired t test)`,
    ...grid.map(line),
  ];
  if (r.comparisons.length)
    out.push(
      '',
      ...r.comparisons.map((c) => comparisonSentence({ ...c, variant: label(c.variant), baseline: label(c.baseline) }, r.level)),
    );
  if (r.unfinished.length) out.push('', `not finished (left out): ${r.unfinished.join(', ')}`);
  return out.join('\n');
}

/** Variants and comparisons as rows (more than four of them), else as columns. */
function entriesWide(r: SweepResults): boolean {
  return r.cells.length + r.comparisons.length > 4;
}

/** One record per variant and per comparison (metric -> "mean ± half-width"), for a table in a notebook. */
export function sweepRecords(r: SweepResults): Record<string, string | number>[] {
  return [
    ...r.cells.map((c) => ({
      '': c.variant,
      n: c.seeds.length,
      ...Object.fromEntries(r.metricNames.map((m) => [m, c.metrics[m] ? meanPlusMinus(c.metrics[m]) : '-'])),
    })),
    ...r.comparisons.map((c) => ({
      '': `${c.variant} - ${c.baseline}`,
      n: c.metrics[r.metricNames[0]]?.n ?? 0,
      ...Object.fromEntries(
        r.metricNames.map((m) => [m, c.metrics[m] ? `${meanPlusMinus(c.metrics[m], true)}${c.metrics[m].significant ? ' *' : ''}` : '-']),
      ),
    })),
  ];
}
