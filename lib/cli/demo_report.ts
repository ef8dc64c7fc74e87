/**
 * The demo's HTML report: one self-contained file with plotly.js inlined from node_modules
 * (plotly.js-dist-min, works offline): the final metrics of each method as mean ± interval over
 * seeds with the paired difference, the training loss per epoch (mean over seeds), and the
 * embedding norm and angle statistics of one seed.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../train/atomic_write';
import type { EmbeddingStats } from './demo_stats';

export interface MethodReport {
  label: string;
  /** mean training loss per epoch, averaged over seeds */
  epochLoss: number[];
  /** metric -> formatted value (e.g. "45.93 ± 3.10") */
  final: Record<string, string>;
  stats: EmbeddingStats;
}

type Trace = Record<string, unknown>;

function plot(id: string, title: string, traces: Trace[], xTitle: string, yTitle: string, extra: Record<string, unknown> = {}): string {
  const layout = {
    title: { text: title },
    xaxis: { title: { text: xTitle } },
    yaxis: { title: { text: yTitle } },
    margin: { t: 40 },
    ...extra,
  };
  return `<div id="${id}" style="height:360px"></div><script>Plotly.newPlot(${JSON.stringify(id)}, ${JSON.stringify(traces)}, ${JSON.stringify(layout)});</script>`;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** `columns`: extra columns beside the methods (e.g. the paired difference), metric -> text. */
export function reportHtml(
  title: string,
  backend: string,
  methods: MethodReport[],
  columns: { label: string; values: Record<string, string> }[],
  notes: string[],
): string {
  const plotly = readFileSync(require.resolve('plotly.js-dist-min'), 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  const metricNames = Object.keys(methods[0].final);
  const all = [...methods.map((m) => ({ label: m.label, values: m.final })), ...columns];
  const statRow = (name: string, cell: (s: EmbeddingStats) => string): string =>
    `<tr><td>${name}</td>${methods.map((m) => `<td>${cell(m.stats)}</td>`).join('')}${columns.map(() => '<td></td>').join('')}</tr>`;
  const table = `<table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th>metric (%)</th>${all.map((c) => `<th>${esc(c.label)}</th>`).join('')}</tr>${metricNames
    .map((k) => `<tr><td>${esc(k)}</td>${all.map((c) => `<td>${esc(c.values[k] ?? '-')}</td>`).join('')}</tr>`)
    .join('')}${statRow(
    'feature norm (mean &plusmn; std), first seed',
    (s) => `${s.featureNorm.mean.toFixed(2)} &plusmn; ${s.featureNorm.std.toFixed(2)}`,
  )}${statRow('same-class angle, mean (deg), first seed', (s) => s.intraAngle.mean.toFixed(1))}${statRow(
    'different-class angle, mean (deg), first seed',
    (s) => s.interAngle.mean.toFixed(1),
  )}</table>`;
  const loss = plot(
    'loss',
    'training loss per epoch (mean over seeds)',
    methods.map((m) => ({ type: 'scatter', name: m.label, x: m.epochLoss.map((_, i) => i), y: m.epochLoss })),
    'epoch',
    'loss',
  );
  const angles = plot(
    'angles',
    'angles between test embeddings (first seed)',
    methods.flatMap((m) => [
      { type: 'histogram', name: `${m.label}: same class`, x: m.stats.intraAngle.values, opacity: 0.5, nbinsx: 60 },
      { type: 'histogram', name: `${m.label}: different class`, x: m.stats.interAngle.values, opacity: 0.5, nbinsx: 60 },
    ]),
    'angle (degrees)',
    'pairs',
    { barmode: 'overlay' },
  );
  const norms = plot(
    'norms',
    'backbone feature norm before the head (first seed)',
    methods.map((m) => ({ type: 'histogram', name: m.label, x: m.stats.featureNorm.values, opacity: 0.6, nbinsx: 60 })),
    'L2 norm',
    'images',
    { barmode: 'overlay' },
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><script>${plotly}</script></head><body style="font-family:sans-serif;max-width:1000px;margin:auto">
<h1>${esc(title)}</h1><p>${esc(backend)}</p>${table}<ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>${loss}${angles}${norms}</body></html>\n`;
}

export function writeReport(path: string, html: string): void {
  writeFileAtomic(path, html);
}
