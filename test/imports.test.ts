/**
 * The packages a notebook cell uses load the way tslab loads them: tslab compiles cells to
 * CommonJS, so this file is CommonJS too (tsx), and arquero 8 (ESM-only) comes in through
 * Node's require(esm).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import * as aq from 'arquero';

test('tfjs, sharp, arquero and plotly.js load from CommonJS as in a notebook cell', async () => {
  const { tf, initBackend } = await import('../lib/tf');
  await initBackend('cpu', { quiet: true });
  assert.deepEqual(await tf.tensor([1, 2]).add(1).array(), [2, 3]);

  const png = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  const meta = await sharp(png).metadata();
  assert.equal(meta.width, 4);
  assert.equal(meta.height, 3);

  const table = aq.table({ a: [1, 2, 3] }).derive({ b: (d: { a: number }) => d.a * 2 });
  assert.deepEqual(table.array('b'), [2, 4, 6]);

  const plotlyPath = require.resolve('plotly.js-dist-min');
  const source = readFileSync(plotlyPath, 'utf8');
  assert.match(source, /newPlot/);
  assert.ok(source.length > 1_000_000, `plotly bundle at ${plotlyPath} looks truncated`);
});

test('lib/index is the narrow public surface: one import gives a notebook everything it runs', async () => {
  const kit = await import('../lib');
  for (const name of [
    'initBackend',
    'referenceExpansion',
    'sphericalExpansion',
    'createLoss',
    'SeeProxyAnchorLoss',
    'evaluate',
    'readCub',
    'createEmbeddingModel',
    'train',
    'buildRun',
    'runExperiment',
    'applyOverrides',
    'demoSpec',
    'listRows',
    'showPlot',
    'readToHost',
    'StopSignals',
  ]) {
    assert.equal(typeof (kit as Record<string, unknown>)[name], 'function', name);
  }
  const names = Object.keys(kit);
  assert.ok(names.length < 100, `lib/index exports ${names.length} names; keep it narrow`);
  assert.ok(!names.includes('method') && !names.includes('training'), 'no namespaces: flat names only');
});
