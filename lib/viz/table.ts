/**
 * Tables in notebooks with arquero: rows of records in, an arquero table out, shown as HTML
 * in tslab (plain text elsewhere). Numbers are rounded for display only.
 */
import * as aq from 'arquero';
import { displayHtml } from './display';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;
export type Table = ReturnType<typeof aq.from>;

/** An arquero table from row records; every row must have the same keys as the first. */
export function tableFromRows(rows: Row[]): Table {
  if (rows.length === 0) throw new Error('tableFromRows: no rows given');
  const keys = Object.keys(rows[0]).sort().join(',');
  rows.forEach((row, i) => {
    const k = Object.keys(row).sort().join(',');
    if (k !== keys) throw new Error(`tableFromRows: row ${i} has columns [${k}], expected [${keys}] as in row 0`);
  });
  return aq.from(rows);
}

function formatCell(value: unknown, digits: number): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  return value === null || value === undefined ? '' : String(value);
}

/** Fixed-width text rendering (header, rule, rows). */
export function tableText(table: Table, digits = 3): string {
  const names = table.columnNames();
  const rows = table.objects() as Record<string, unknown>[];
  const cells = rows.map((r) => names.map((n) => formatCell(r[n], digits)));
  const widths = names.map((n, j) => Math.max(n.length, ...cells.map((c) => c[j].length)));
  const line = (values: string[]): string =>
    values
      .map((v, j) => v.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** HTML rendering (arquero's toHTML with numbers rounded to `digits`). */
export function tableHtml(table: Table, digits = 3): string {
  const format: Record<string, (v: unknown) => string> = {};
  for (const name of table.columnNames()) format[name] = (v: unknown) => formatCell(v, digits);
  return table.toHTML({ format, limit: Infinity });
}

/** Shows a table (or row records) in the notebook; prints it as text elsewhere. Returns nothing,
 * so a cell ending in `showTable(...)` does not also print the arquero object. */
export function showTable(rowsOrTable: Row[] | Table, digits = 3): void {
  const table = Array.isArray(rowsOrTable) ? tableFromRows(rowsOrTable) : rowsOrTable;
  displayHtml(tableHtml(table, digits), tableText(table, digits));
}
