/** Sweep files: checks that name the key, the expansion into runs, and a plan that only grows. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { demoSpec } from '../../lib/experiments/demo_spec';
import { defineSweep, expandSweep, readSweepFile, variantSlug } from '../../lib/sweeps/sweep_definition';
import { mergePlan, preparePlan, SweepFolder } from '../../lib/sweeps/sweep_folder';

const root = mkdtempSync(join(tmpdir(), 'see-sweep-def-'));
after(() => rmSync(root, { recursive: true, force: true }));
const base = demoSpec('see_proxy_anchor', 2, 0, join(root, 'data'));
const sweep = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'ab',
  base,
  variants: [{ name: 'Proxy-Anchor', set: ['loss.name=proxy_anchor'] }, { name: 'SEE' }],
  seeds: [0, 1, 2],
  ...extra,
});

test('a sweep expands seed by seed into one run per variant, with the overrides and the seed applied', () => {
  const def = defineSweep(sweep({ set: ['train.epochs=3'], compare: [['SEE', 'Proxy-Anchor']] }), 'ab.json');
  const runs = expandSweep(def);
  assert.deepEqual(
    runs.map((r) => [r.index, r.id, r.seed]),
    [
      [0, 'Proxy-Anchor-seed0', 0],
      [1, 'SEE-seed0', 0],
      [2, 'Proxy-Anchor-seed1', 1],
      [3, 'SEE-seed1', 1],
      [4, 'Proxy-Anchor-seed2', 2],
      [5, 'SEE-seed2', 2],
    ],
  );
  assert.deepEqual(runs.map((r) => [r.spec.loss.name, r.spec.train.seed, r.spec.train.epochs]).slice(0, 3), [
    ['proxy_anchor', 0, 3],
    ['see_proxy_anchor', 0, 3],
    ['proxy_anchor', 1, 3],
  ]);
  assert.deepEqual(runs[1].spec.loss.options, base.loss.options, 'the base is untouched by another variant');
  assert.equal(expandSweep(def, '/elsewhere')[0].spec.dataRoot, '/elsewhere');
  assert.deepEqual(def.protocol, 'best-test');
});

test('rows as variants, a baseline for every other variant, a base read from a file', () => {
  const rows = defineSweep(
    {
      name: 'rows',
      variants: [
        { name: 'SEE', row: 'see-de128-cub' },
        { name: 'PA', row: 'pa-de128-cub' },
      ],
      seeds: [0],
      baseline: 'PA',
      protocol: 'validation',
    },
    'rows.json',
  );
  const runs = expandSweep(rows);
  assert.deepEqual(
    runs.map((r) => [r.spec.row, r.spec.loss.name]),
    [
      ['see-de128-cub', 'see_proxy_anchor'],
      ['pa-de128-cub', 'proxy_anchor'],
    ],
  );
  assert.deepEqual([rows.compare, rows.protocol], [[['SEE', 'PA']], 'validation']);
  writeFileSync(join(root, 'base.json'), JSON.stringify({ row: 'see-de128-cars', train: { epochs: 2 } }));
  writeFileSync(join(root, 'sweep.json'), JSON.stringify({ name: 'f', base: 'base.json', variants: [{ name: 'x' }], seeds: [5] }));
  const fromFile = readSweepFile(join(root, 'sweep.json'));
  assert.deepEqual([fromFile.base?.row, fromFile.base?.train.epochs, expandSweep(fromFile)[0].spec.train.seed], ['see-de128-cars', 2, 5]);
});

test('bad sweeps: every error names the file, the key and what was expected', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [sweep({ seed: [1] }), /ab\.json: unknown key "seed"; expected one of name, base, set, variants, seeds, compare, baseline, protocol/],
    [sweep({ name: 'a b' }), /ab\.json: name "a b", expected a folder name/],
    [sweep({ seeds: [] }), /ab\.json: seeds is \[\], expected a non-empty list of integers >= 0/],
    [sweep({ seeds: [1, 1] }), /seeds \[1,1\] repeat a seed/],
    [sweep({ variants: [] }), /variants is \[\], expected a non-empty list/],
    [sweep({ variants: [{ name: 'a' }, { name: 'a' }] }), /two variants are named "a"/],
    [sweep({ variants: [{ name: 'a b' }, { name: 'a_b' }] }), /variants "a b" and "a_b" would share the folder name "a_b"/],
    [sweep({ variants: [{ name: 'a', sets: [] }] }), /variants\[0\]: unknown key "sets"; expected name, row, set/],
    [
      sweep({ variants: [{ name: 'a', set: 'train.epochs=1' }] }),
      /variants\[0\]\.set is "train\.epochs=1", expected a list of "key=value" strings/,
    ],
    [sweep({ compare: [['SEE', 'PA']] }), /compare\[0\]\[1\] is "PA", expected one of the variants: Proxy-Anchor, SEE/],
    [sweep({ protocol: 'best' }), /protocol "best", expected one of best-test, last, validation/],
    [{ ...sweep(), base: undefined }, /no "base" specification, and variant "Proxy-Anchor" names no row/],
  ];
  for (const [json, message] of bad) assert.throws(() => defineSweep(json, 'ab.json'), message);
  assert.throws(
    () => expandSweep(defineSweep(sweep({ set: ['train.epoch=3'] }), 'ab.json')),
    /ab\.json: variant "Proxy-Anchor", seed 0: override "train\.epoch=3": unknown key "train\.epoch"/,
  );
  assert.throws(() => readSweepFile(join(root, 'none.json')), /sweep file .*none\.json does not exist/);
  assert.equal(variantSlug(' SEE, n = 2 '), 'SEE_n_2');
});

test('a plan only grows: new seeds are appended, a changed or dropped run is refused, dataRoot may move', () => {
  const folder = new SweepFolder(join(root, 'runs', 'ab'));
  const def = defineSweep(sweep({ seeds: [0] }), 'ab.json');
  const first = preparePlan(folder, def, expandSweep(def));
  assert.deepEqual(folder.readPlan(), first);
  const grown = defineSweep(sweep({ seeds: [1, 0] }), 'ab.json');
  const plan = mergePlan(first, grown, expandSweep(grown, '/moved'));
  assert.deepEqual(
    plan.runs.map((r) => [r.index, r.id]),
    [
      [0, 'Proxy-Anchor-seed0'],
      [1, 'SEE-seed0'],
      [2, 'Proxy-Anchor-seed1'],
      [3, 'SEE-seed1'],
    ],
  );
  assert.equal(plan.runs[0].spec.dataRoot, '/moved');
  const changed = defineSweep(sweep({ seeds: [0], set: ['train.lr=0.5'] }), 'ab.json');
  assert.throws(
    () => mergePlan(first, changed, expandSweep(changed)),
    /sweep ab: run Proxy-Anchor-seed0 was planned with another specification \(1 key\(s\)\):\n {2}train\.lr: 0\.001 planned, 0\.5 now/,
  );
  const dropped = defineSweep(sweep({ seeds: [0], variants: [{ name: 'SEE' }] }), 'ab.json');
  assert.throws(
    () => mergePlan(first, dropped, expandSweep(dropped)),
    /run Proxy-Anchor-seed0 of the existing plan is not in ab\.json any more; a sweep's plan only grows/,
  );
  assert.throws(() => folder.runAt(first, 7), /sweep ab: no run 7; the plan .*plan\.json has runs 0-1/);
  assert.throws(() => new SweepFolder(join(root, 'nothing')).readPlan(), /is not a sweep folder \(no plan\.json\)/);
});
