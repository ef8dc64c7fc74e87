/**
 * Plotly figures for notebooks: shown through tslab as HTML with plotly.js inlined from the
 * installed `plotly.js-dist-min` package (no CDN, nothing fetched at run time), and saved as
 * JSON + standalone HTML.
 *
 * The 4.8 MB plotly bundle is inlined once per kernel (the first figure shown); later figures
 * wait for `window.Plotly`. In JupyterLab the HTML runs once the notebook is trusted (a notebook
 * you run yourself is). After "Clear all outputs", re-run from the top (or call
 * `resetPlotlyInclusion()`) so the bundle is shown again.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { displayHtml } from './display';

/** One plotly trace (`{ type: 'scatter', x, y, ... }`); see plotly.js's reference. */
export interface PlotTrace {
  type?: string;
  name?: string;
  [key: string]: unknown;
}

/** A plotly figure: traces plus layout. */
export interface Figure {
  data: PlotTrace[];
  layout?: Record<string, unknown>;
}

export interface PlotHtmlOptions {
  /** inline the plotly.js bundle in this output (default: only the first figure of the kernel) */
  includePlotly?: boolean;
  /** CSS height of the plot div (default 420px) */
  height?: string;
}

let plotlySource: string | undefined;
let plotlyShown = false;
let plotCounter = 0;

/** The plotly.js bundle from node_modules, made safe to sit inside an HTML `<script>` element. */
export function plotlyBundle(): string {
  if (plotlySource === undefined) {
    const path = require.resolve('plotly.js-dist-min');
    const source = readFileSync(path, 'utf8');
    if (!source.includes('newPlot')) throw new Error(`${path} does not look like the plotly.js bundle (no newPlot)`);
    plotlySource = escapeScript(source);
  }
  return plotlySource;
}

/** Escapes `</script` and `<!--` so text can be inlined in a `<script>` element. */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Forces the next shown figure to inline plotly.js again (after clearing all outputs). */
export function resetPlotlyInclusion(): void {
  plotlyShown = false;
}

/** Checks a figure's shape; throws naming the trace that is wrong. */
export function validateFigure(fig: Figure): void {
  if (!Array.isArray(fig.data) || fig.data.length === 0) throw new Error('figure.data must be a non-empty array of traces');
  fig.data.forEach((trace, i) => {
    if (trace === null || typeof trace !== 'object') throw new Error(`figure.data[${i}] must be an object, got ${String(trace)}`);
    for (const axis of ['x', 'y', 'z'] as const) {
      const values = trace[axis];
      if (values === undefined) continue;
      if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
        throw new Error(`figure.data[${i}].${axis} (trace "${trace.name ?? i}") must be an array, got ${typeof values}`);
      }
    }
  });
}

/** JSON of the figure with typed arrays turned into plain arrays and `</` escaped. */
export function figureJson(fig: Figure): string {
  const json = JSON.stringify(fig, (_key, value: unknown) =>
    ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value,
  );
  return json.replace(/</g, '\\u003c');
}

/** The HTML of one figure: a div plus the script that draws it (and the bundle if asked). */
export function figureHtml(fig: Figure, options: PlotHtmlOptions = {}): string {
  validateFigure(fig);
  const id = `see-plot-${process.pid}-${++plotCounter}`;
  const height = options.height ?? '420px';
  const bundle = options.includePlotly ? `<script type="text/javascript">${plotlyBundle()}</script>\n` : '';
  const draw = `(function () {
  var fig = ${figureJson(fig)};
  var el = document.getElementById(${JSON.stringify(id)});
  function draw() { window.Plotly.newPlot(el, fig.data, fig.layout || {}, { responsive: true, displaylogo: false }); }
  if (window.Plotly) { draw(); return; }
  var tries = 0;
  var timer = setInterval(function () {
    if (window.Plotly) { clearInterval(timer); draw(); }
    else if (++tries > 200) { clearInterval(timer); el.textContent = 'plotly.js is not loaded: re-run the notebook from the top'; }
  }, 50);
})();`;
  return `<div id="${id}" class="see-plot" style="width:100%;height:${height}"></div>\n${bundle}<script type="text/javascript">${draw}</script>`;
}

/** A one-line text stand-in for a figure (shown outside notebooks). */
export function figureSummary(fig: Figure): string {
  const title = (fig.layout?.title as { text?: string } | string | undefined) ?? '';
  const text = typeof title === 'string' ? title : (title.text ?? '');
  const traces = fig.data.map((t) => `${t.name ?? t.type ?? 'trace'}(${lengthOf(t.x ?? t.y)})`).join(', ');
  return `[figure${text ? ` "${text}"` : ''}: ${traces}]`;
}

function lengthOf(values: unknown): number {
  return Array.isArray(values) || ArrayBuffer.isView(values) ? (values as ArrayLike<unknown>).length : 0;
}

/** Shows a figure in the notebook (plotly.js inlined with the first figure of the kernel). */
export function showPlot(fig: Figure, options: Omit<PlotHtmlOptions, 'includePlotly'> = {}): void {
  const includePlotly = !plotlyShown;
  displayHtml(figureHtml(fig, { ...options, includePlotly }), figureSummary(fig));
  plotlyShown = true;
}

/** Writes `<path>.json` (the figure) and `<path>.html` (standalone page), each atomically. */
export function savePlot(fig: Figure, path: string): { json: string; html: string } {
  validateFigure(fig);
  const base = path.replace(/\.(json|html)$/i, '');
  const title = figureSummary(fig).replace(/[<>&]/g, '');
  const page = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n${figureHtml(fig, { includePlotly: true })}\n</body></html>\n`;
  const json = `${base}.json`;
  const html = `${base}.html`;
  writeAtomic(json, `${JSON.stringify(JSON.parse(figureJson(fig)), null, 1)}\n`);
  writeAtomic(html, page);
  return { json, html };
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
