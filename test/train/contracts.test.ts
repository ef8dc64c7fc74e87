import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEpochAware, isStatefulLoss, lossStepStats, recallAt1 } from '../../lib/train/contracts';

test('lossStepStats turns SEE lastStep into the official aug_rate = synthetic / batch', () => {
  const see = { lastStep: { threshold: 0.2, numExpanded: 9, numSynthetic: 72, selected: [] } };
  assert.deepEqual(lossStepStats(see, 180), { expansionRate: 0.4, numExpanded: 9, threshold: 0.2 });
  assert.deepEqual(lossStepStats({ lastStats: () => ({ a: 1 }) }, 4), { a: 1 });
  assert.deepEqual(lossStepStats({}, 4), {});
});

test('duck-typed hooks and recallAt1 picks the smallest K', () => {
  assert.equal(isEpochAware({ setEpoch: () => 0 }), true);
  assert.equal(isEpochAware({}), false);
  assert.equal(isStatefulLoss({ getRandomState: () => [], setRandomState: () => undefined }), true);
  assert.equal(recallAt1({ recallAtK: { '10': 0.9, '1': 0.5, '100': 1 } }), 0.5);
  assert.throws(() => recallAt1({ recallAtK: {} }), /empty/);
});
