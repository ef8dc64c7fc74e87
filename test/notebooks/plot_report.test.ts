/** The browser check's verdict on the plots it measured, and the plot count taken from the HTML. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgePlots, type PlotReport } from '../../scripts/notebooks/plot_report';
import { countPlotDivs } from '../../scripts/notebooks/render_check';
import { figureHtml } from '../../lib/viz/plot';

const drawn = (id: string, extra: Partial<PlotReport> = {}): PlotReport => ({ id, hasSvg: true, traces: 1, marks: 5, glCanvases: 0, message: '', ...extra });

test('plots drawn with marks (2-D) or a WebGL scene (3-D) pass', () => {
  assert.deepEqual(judgePlots([drawn('a'), drawn('b', { marks: 0, glCanvases: 1 })], 2), []);
});

test('a plot without SVG, without traces or without marks fails, naming the plot', () => {
  const problems = judgePlots(
    [drawn('none', { hasSvg: false, message: 'plotly.js is not loaded' }), drawn('empty', { traces: 0 }), drawn('nomarks', { marks: 0 })],
    3,
  );
  assert.equal(problems.length, 3);
  assert.match(problems[0], /none: plotly drew nothing \("plotly\.js is not loaded"\)/);
  assert.match(problems[1], /empty: no traces/);
  assert.match(problems[2], /nomarks: no points/);
});

test('fewer plots in the page than in the notebook fails', () => {
  assert.match(judgePlots([drawn('a')], 2)[0], /1 plot\(s\) in the page, but the notebook's outputs hold 2/);
});

test('countPlotDivs counts the divs figureHtml writes', () => {
  const fig = { data: [{ type: 'scatter', x: [1], y: [2] }] };
  const page = `<html>${figureHtml(fig)}<p>text</p>${figureHtml(fig)}</html>`;
  assert.equal(countPlotDivs(page), 2);
  assert.equal(countPlotDivs('<div class="see-plot">'), 0);
});
