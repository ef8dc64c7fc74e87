/** Figures become HTML that draws them with the installed plotly.js, and files written atomically. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { escapeScript, figureHtml, figureJson, figureSummary, plotlyBundle, savePlot, showPlot, validateFigure } from '../../lib/viz/plot';
import { lineFigure, histogramFigure, barFigure } from '../../lib/viz/figures';

const fig = { data: [{ type: 'scatter', name: 's', x: [0, 1], y: [2, 3] }], layout: { title: { text: 'T' } } };

test('the plotly bundle is inlined only when asked, and never from a CDN', () => {
  const withBundle = figureHtml(fig, { includePlotly: true });
  const without = figureHtml(fig);
  assert.ok(withBundle.includes('plotly.js v'), 'bundle header missing');
  assert.ok(withBundle.length > 1_000_000);
  assert.ok(without.length < 2_000, `figure without bundle is ${without.length} chars`);
  assert.ok(!/<script[^>]+src=/.test(withBundle), 'no external script');
  assert.ok(!/https?:\/\/cdn/i.test(without));
  // the bundle has no raw </script that would close the inline element early
  assert.equal(/<\/script/i.test(plotlyBundle()), false);
});

test('data that contains </script> cannot break out of the script element', () => {
  const evil = { data: [{ type: 'scatter', name: '</script><b>x', x: [1], y: [1] }] };
  const html = figureHtml(evil);
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'only the closing tag of our own script');
  assert.equal(JSON.parse(figureJson(evil)).data[0].name, '</script><b>x');
  assert.equal(escapeScript('a</script>b<!--c'), 'a<\\/script>b<\\!--c');
});

test('typed arrays become plain arrays in the figure JSON', () => {
  const json = JSON.parse(figureJson({ data: [{ type: 'scatter', x: new Float32Array([0.5, 1.5]), y: new Int32Array([3, 4]) }] }));
  assert.deepEqual(json.data[0].x, [0.5, 1.5]);
  assert.deepEqual(json.data[0].y, [3, 4]);
});

test('bad figures are refused with the trace named', () => {
  assert.throws(() => validateFigure({ data: [] }), /non-empty array/);
  assert.throws(
    () => validateFigure({ data: [{ name: 'loss', y: 3 as unknown as number[] }] }),
    /figure\.data\[0\]\.y \(trace "loss"\) must be an array/,
  );
});

test('builders: one trace per series, lengths checked', () => {
  const line = lineFigure(
    [
      { name: 'a', y: [1, 2, 3] },
      { name: 'b', x: [5, 6], y: [1, 2] },
    ],
    { title: 'L', xTitle: 'epoch' },
  );
  assert.equal(line.data.length, 2);
  assert.deepEqual(line.data[0].x, [0, 1, 2]);
  assert.deepEqual(line.data[1].x, [5, 6]);
  assert.throws(() => lineFigure([{ name: 'bad', x: [1], y: [1, 2] }]), /series "bad" has 1 x values but 2 y values/);
  assert.throws(() => barFigure([]), /no series/);
  assert.deepEqual(histogramFigure([{ name: 'h', y: new Float32Array([1, 2]) }]).data[0].x, [1, 2]);
});

test('error bars: a series with half-widths draws them (95% intervals over seeds); lengths checked', () => {
  const bars = barFigure([
    { name: 'R@1', x: ['PA', 'SEE'], y: [45, 46], error: [3.1, 0] },
    { name: 'no bars', y: [1, 2] },
  ]);
  assert.deepEqual(bars.data[0].error_y, { type: 'data', array: [3.1, 0], visible: true });
  assert.equal(bars.data[1].error_y, undefined);
  assert.deepEqual(lineFigure([{ name: 'l', y: [1], error: [0.5] }]).data[0].error_y, { type: 'data', array: [0.5], visible: true });
  assert.throws(() => barFigure([{ name: 'bad', y: [1, 2], error: [1] }]), /series "bad" has 1 error values but 2 y values/);
});

test('savePlot writes JSON and a standalone HTML page, leaving no temp files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'see-plot-'));
  try {
    const paths = savePlot(fig, join(dir, 'sub', 'curve.html'));
    assert.equal(paths.json, join(dir, 'sub', 'curve.json'));
    assert.deepEqual(JSON.parse(readFileSync(paths.json, 'utf8')), fig);
    const page = readFileSync(paths.html, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/);
    assert.ok(page.includes('plotly.js v'));
    assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['curve.html', 'curve.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('outside a notebook showPlot prints a one-line summary', (t) => {
  const lines: string[] = [];
  t.mock.method(console, 'log', (s: string) => lines.push(s));
  showPlot(fig);
  assert.deepEqual(lines, [figureSummary(fig)]);
  assert.equal(lines[0], '[figure "T": s(2)]');
});
