import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSameConfig, configDifferences } from '../../lib/train/config_diff';

test('differences are listed by key path with both values; ignored keys are skipped', () => {
  const run = {
    name: 'a',
    dataRoot: '/d1',
    loss: { name: 'see_proxy_anchor', options: { n: 8, lambda: 0.2 } },
    evalKs: [1, 2],
    train: { lr: 1e-4, epochs: 3 },
  };
  const now = {
    name: 'a',
    dataRoot: '/d2',
    loss: { name: 'see_proxy_anchor', options: { n: 8, lambda: 0.5 } },
    evalKs: [1, 2, 4],
    train: { lr: 1e-4, epochs: 3, nonFinite: 'skip' },
  };
  assert.deepEqual(configDifferences(run, now, ['dataRoot']), [
    { key: 'loss.options.lambda', run: '0.2', now: '0.5' },
    { key: 'evalKs', run: '[1,2]', now: '[1,2,4]' },
    { key: 'train.nonFinite', run: undefined, now: '"skip"' },
  ]);
  assert.deepEqual(configDifferences(run, structuredClone(run)), []);
  assert.deepEqual(
    configDifferences(run, { ...run, dataRoot: '/x' }).map((d) => d.key),
    ['dataRoot'],
  );
  assert.throws(
    () => assertSameConfig(run, now, { run: 'the checkpoint', now: 'this resume' }, ['dataRoot']),
    (err: Error) => {
      assert.match(
        err.message,
        /differs from the checkpoint in 3 key\(s\):\n {2}loss\.options\.lambda: 0\.2 in the checkpoint, 0\.5 in this resume\n {2}evalKs: \[1,2\] in the checkpoint, \[1,2,4\] in this resume\n {2}train\.nonFinite: \(absent\) in the checkpoint, "skip" in this resume/,
      );
      return true;
    },
  );
});
