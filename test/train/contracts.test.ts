import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recallAt1 } from '../../lib/train/contracts';

test('recallAt1 picks the smallest K', () => {
  assert.equal(recallAt1({ recallAtK: { '10': 0.9, '1': 0.5, '100': 1 } }), 0.5);
  assert.throws(() => recallAt1({ recallAtK: {} }), /empty/);
});
