/**
 * The demo's HTML report: one self-contained file with plotly.js inlined from node_modules
 * (plotly.js-dist-min, works offline), loss and Recall@1 curves per method, the final metrics
 * side by side, and the embedding norm and angle statistics.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../train/atomic_write';
import type { EmbeddingStats } from './demo_stats';

export interface MethodReport {
  label: string;
  epochLoss: number[];
  recallCurve: { epoch: number; r1: number }[];
  final: Record<string, number>;
  stats: EmbeddingStats;
}

type Trace = Record<string, unknown>;

function plot(id: string, title: string, traces: Trace[], xTitle: string, yTitle: string, extra: Record<string, unknown> = {}): string {
  const layout = { title: { text: title }, xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle } }, margin: { t: 40 }, ...extra };
  return `<div id="${id}" style="height:360px"></div><script>Plotly.newPlot(${JSON.stringify(id)}, ${JSON.stringify(traces)}, ${JSON.stringify(layout)});</script>`;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

export function reportHtml(title: string, backend: string, methods: MethodReport[], notes: string[]): string {
  const plotly = readFileSync(require.resolve('plotly.js-dist-min'), 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  const metricNames = Object.keys(methods[0].final);
  const table = `<table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th>metric (%)</th>${methods.map((m) => `<th>${esc(m.label)}</th>`).join('')}</tr>${metricNames
    .map((k) => `<tr><td>${esc(k)}</td>${methods.map((m) => `<td>${(100 * m.final[k]).toFixed(2)}</td>`).join('')}</tr>`)
    .join('')}${['featureNorm', 'intraAngle', 'interAngle']
    .map((k) => `<tr><td>${k === 'featureNorm' ? 'feature norm (mean &plusmn; std)' : k === 'intraAngle' ? 'same-class angle, mean (deg)' : 'different-class angle, mean (deg)'}</td>${methods
      .map((m) => `<td>${k === 'featureNorm' ? `${m.stats.featureNorm.mean.toFixed(2)} &plusmn; ${m.stats.featureNorm.std.toFixed(2)}` : (k === 'intraAngle' ? m.stats.intraAngle.mean : m.stats.interAngle.mean).toFixed(1)}</td>`)
      .join('')}</tr>`)
    .join('')}</table>`;
  const loss = plot('loss', 'training loss per epoch', methods.map((m) => ({ type: 'scatter', name: m.label, x: m.epochLoss.map((_, i) => i), y: m.epochLoss })), 'epoch', 'loss');
  const recall = plot('recall', 'Recall@1 on the unseen classes', methods.map((m) => ({ type: 'scatter', name: m.label, x: m.recallCurve.map((r) => r.epoch), y: m.recallCurve.map((r) => 100 * r.r1) })), 'epoch', 'R@1 (%)');
  const angles = plot('angles', 'angles between test embeddings', methods.flatMap((m) => [
    { type: 'histogram', name: `${m.label}: same class`, x: m.stats.intraAngle.values, opacity: 0.5, nbinsx: 60 },
    { type: 'histogram', name: `${m.label}: different class`, x: m.stats.interAngle.values, opacity: 0.5, nbinsx: 60 },
  ]), 'angle (degrees)', 'pairs', { barmode: 'overlay' });
  const norms = plot('norms', 'backbone feature norm (before the head)', methods.map((m) => ({ type: 'histogram', name: m.label, x: m.stats.featureNorm.values, opacity: 0.6, nbinsx: 60 })), 'L2 norm', 'images', { barmode: 'overlay' });
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><script>${plotly}</script></head><body style="font-family:sans-serif;max-width:1000px;margin:auto">
<h1>${esc(title)}</h1><p>${esc(backend)}</p>${table}<ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>${loss}${recall}${angles}${norms}</body></html>\n`;
}

export function writeReport(path: string, html: string): void {
  writeFileAtomic(path, html);
}
