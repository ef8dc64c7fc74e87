/**
 * Small builders for the figures the notebooks draw most: curves over epochs, histograms of
 * statistics, grouped bars. Each returns a plain plotly `Figure` that can still be edited
 * before `showPlot` / `savePlot`.
 */
import type { Figure, PlotTrace } from './plot';

/** A named series of numbers. */
export interface Series {
  name: string;
  x?: ArrayLike<number> | string[];
  y: ArrayLike<number>;
  /** half-widths of error bars (e.g. a 95% interval over seeds), one per y; bars and lines draw them */
  error?: ArrayLike<number>;
}

export interface AxisTitles {
  title?: string;
  xTitle?: string;
  yTitle?: string;
}

function layoutOf(t: AxisTitles, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: t.title ?? '' },
    xaxis: { title: { text: t.xTitle ?? '' } },
    yaxis: { title: { text: t.yTitle ?? '' } },
    margin: { t: 50, r: 20, b: 50, l: 60 },
    ...extra,
  };
}

function toArray(values: ArrayLike<number> | string[]): (number | string)[] {
  return Array.from(values as ArrayLike<number | string>);
}

function checkSeries(series: Series[], what: string): void {
  if (series.length === 0) throw new Error(`${what}: no series given`);
  for (const s of series) {
    if (s.x !== undefined && s.x.length !== s.y.length) {
      throw new Error(`${what}: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`);
    }
    if (s.error !== undefined && s.error.length !== s.y.length) {
      throw new Error(`${what}: series "${s.name}" has ${s.error.length} error values but ${s.y.length} y values`);
    }
  }
}

/** plotly's symmetric error bars, when the series has them. */
function errorBars(s: Series): Record<string, unknown> {
  return s.error === undefined ? {} : { error_y: { type: 'data', array: toArray(s.error), visible: true } };
}

/** Lines with markers, one trace per series (x defaults to 0..n-1). */
export function lineFigure(series: Series[], titles: AxisTitles = {}): Figure {
  checkSeries(series, 'lineFigure');
  const data: PlotTrace[] = series.map((s) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: s.name,
    x: s.x ? toArray(s.x) : Array.from(s.y, (_v, i) => i),
    y: toArray(s.y),
    ...errorBars(s),
  }));
  return { data, layout: layoutOf(titles) };
}

/** Overlaid histograms, one per series (only `y` is used: the sample values). */
export function histogramFigure(series: Series[], titles: AxisTitles = {}, bins = 40): Figure {
  checkSeries(series, 'histogramFigure');
  const data: PlotTrace[] = series.map((s) => ({
    type: 'histogram',
    name: s.name,
    x: toArray(s.y),
    opacity: series.length > 1 ? 0.6 : 1,
    nbinsx: bins,
  }));
  return { data, layout: layoutOf(titles, { barmode: 'overlay' }) };
}

/** Grouped bars: one trace per series over shared categories `x`. */
export function barFigure(series: Series[], titles: AxisTitles = {}): Figure {
  checkSeries(series, 'barFigure');
  const data: PlotTrace[] = series.map((s) => ({
    type: 'bar',
    name: s.name,
    x: s.x ? toArray(s.x) : Array.from(s.y, (_v, i) => i),
    y: toArray(s.y),
    ...errorBars(s),
  }));
  return { data, layout: layoutOf(titles, { barmode: 'group' }) };
}
