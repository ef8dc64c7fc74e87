/** arquero tables from rows, rendered as aligned text and HTML. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromRows, tableText, tableHtml, showTable } from '../../lib/viz/table';
import { progressLine, newProgress } from '../../lib/viz/progress';

test('tableText aligns columns and rounds non-integers', () => {
  const t = tableFromRows([
    { method: 'PA', r1: 0.61234, n: 2 },
    { method: 'SEE', r1: 0.5, n: 10 },
  ]);
  assert.equal(tableText(t, 2), ['method  r1    n', '------  ----  --', 'PA      0.61  2', 'SEE     0.50  10'].join('\n'));
});

test('tableHtml has one row per record with rounded numbers', () => {
  const html = tableHtml(tableFromRows([{ a: 1.23456 }, { a: 2 }]), 2);
  assert.equal(html.match(/<tr>/g)?.length, 3);
  assert.ok(html.includes('1.23') && !html.includes('1.2345'));
});

test('rows with different columns are refused, naming the row', () => {
  assert.throws(() => tableFromRows([{ a: 1 }, { b: 2 }]), /row 1 has columns \[b\], expected \[a\]/);
  assert.throws(() => tableFromRows([]), /no rows/);
});

test('showTable prints text outside a notebook and returns nothing', (t) => {
  const lines: string[] = [];
  t.mock.method(console, 'log', (s: string) => lines.push(s));
  assert.equal(showTable([{ x: 1 }]), undefined);
  assert.deepEqual(lines, ['x\n-\n1']);
});

test('progress lines: bar, step and metrics', (t) => {
  assert.equal(progressLine('fit', 1, 4, { loss: 0.5, epoch: 2 }), 'fit [######..................] 1/4  loss=0.5000  epoch=2');
  assert.equal(progressLine('fit', 4, 4), 'fit [########################] 4/4');
  const lines: string[] = [];
  t.mock.method(console, 'log', (s: string) => lines.push(s));
  const p = newProgress('run', 2);
  for (let i = 1; i <= 5; i++) p.update(i, 5);
  p.done('ok');
  assert.deepEqual(
    lines.map((l) => l.split(' ').slice(-1)[0]),
    ['1/5', '3/5', '5/5', 'ok'],
  );
});
