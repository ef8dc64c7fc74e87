/**
 * The bad-input suite: every case of test/bad_input/cases.ts gives its clear error (or, for the
 * images that must work, correct pixels) and leaves the run folders as they were: a fresh run
 * creates nothing, a resume changes no byte of the run. Then README's table must be the one these
 * observed outcomes make; `BAD_INPUT_README=write` rewrites it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import { buildRun } from '../../lib/experiments/build_run';
import { readSpecFile } from '../../lib/experiments/spec_merge';
import { CASES } from './cases';
import { cell, markdownTable, readmeTable, writeReadmeTable, type TableRow } from './table';
import { configFile, makeWorld, snapshot, type World } from './world';

let world: World;
const rows: TableRow[] = [];

before(async () => {
  await initBackend('wasm', { quiet: true });
  world = await makeWorld();
});
after(() => rmSync(world.root, { recursive: true, force: true }));

test('control: the unchanged weights file loads into the model the safetensors cases use', () => {
  const tensors = tf.memory().numTensors;
  const spec = readSpecFile(
    configFile(world, 'control', { weights: join(__dirname, '..', 'fixtures', 'backbones', 'resnet_tiny.safetensors') }),
  );
  buildRun(spec).dispose();
  assert.equal(tf.memory().numTensors, tensors);
});

for (const [i, c] of CASES.entries()) {
  test(`bad input ${i + 1}: ${c.input}`, async () => {
    const before = snapshot(world.runs);
    const tensors = tf.memory().numTensors;
    const runId = `case-${i + 1}`;
    const o = await c.run(world, runId);
    assert.equal(o.code, c.works ? 0 : 1, `exit code; stderr: ${o.err}`);
    assert.match(o.err, c.expect);
    assert.deepEqual(snapshot(world.runs), before, 'the runs folder is byte for byte as before');
    assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
    const folder = c.folder === 'fresh' ? 'no run folder created' : c.folder === 'resume' ? 'unchanged, byte for byte' : '(no run)';
    rows[i] = { input: c.input, through: c.through, outcome: cell(o.err, world.root), folder };
  });
}

test("README's table of bad inputs is the one the suite observed", () => {
  assert.equal(rows.filter(Boolean).length, CASES.length, 'every case ran (run the whole file, not a subset)');
  const table = markdownTable(rows);
  if (process.env.BAD_INPUT_README === 'write') writeReadmeTable(table);
  assert.equal(
    readmeTable(),
    table,
    'README.md is out of date: run `BAD_INPUT_README=write node --import tsx --test test/bad_input/bad_input.test.ts`',
  );
});
