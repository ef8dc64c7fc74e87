/** Threshold schedules and the two selection plans, on hand-worked values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expansionThreshold, thresholdSchedule } from '../../lib/method/schedule';
import { planOneCount, roundHalfEven, selectForExpansion } from '../../lib/method/selection';

const RECIPE = { maxThresh: 0.4, minThresh: 0.0, lowerBound: 0.0 };

test('numpy rounding: halves go to the even neighbour', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -1.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 4, -2, 2, 3]);
  assert.equal(planOneCount(180, 0.4), 72);
  assert.equal(planOneCount(10, 0.25), 2); // 2.5 -> 2
  assert.equal(planOneCount(10, 0.35), 4); // 3.5 -> 4 (0.35*10 = 3.5 in float64)
});

test('plan 1 schedule reproduces the expanded counts of the recipe (B = 180)', () => {
  const count = (e: number, epochs: number): number => planOneCount(180, expansionThreshold(1, e, epochs, RECIPE));
  // docs/official-recipe.md section 8: CUB/Cars (100 epochs)
  assert.deepEqual(
    [25, 50, 75, 99].map((e) => count(e, 100)),
    [11, 36, 61, 72],
  );
  assert.equal(count(5, 100), 0);
  assert.ok(count(6, 100) > 0, 'first expansion at epoch 6');
  // In-Shop (300 epochs): capped at epoch 200
  assert.equal(count(200, 300), 72);
  assert.equal(count(250, 300), 72);
  assert.equal(expansionThreshold(1, 0, 300, RECIPE), 0);
});

test('plan 0 schedule: cosine decay from max to min, floored at the lower bound', () => {
  const s = { maxThresh: 0.8, minThresh: 0.2, lowerBound: 0.3 };
  const v = thresholdSchedule(0, 4, s);
  assert.equal(v.length, 5);
  assert.ok(Math.abs(v[0] - 0.8) < 1e-15);
  assert.ok(Math.abs(v[2] - 0.5) < 1e-15); // midpoint
  assert.equal(v[4], 0.3); // 0.2 floored at 0.3
  assert.throws(() => expansionThreshold(2 as 0, 1, 10, s), /plan must be 0 or 1, got 2/);
});

test('plan 0 selects cos >= threshold (float32 comparison); plan 1 the top round(B*f)', () => {
  const scores = Float32Array.from([0.1, 0.5, 0.9, 0.3, 0.7]);
  assert.deepEqual(selectForExpansion(scores, 0, 0.5), [false, true, true, false, true]);
  assert.deepEqual(selectForExpansion(scores, 1, 0.4), [false, false, true, false, true]);
  assert.deepEqual(selectForExpansion(scores, 1, 0.0), [false, false, false, false, false]);
  assert.deepEqual(selectForExpansion(scores, 1, 1.0), [true, true, true, true, true]);
  // float32 score equal to fround(0.3) passes a threshold of 0.3
  assert.deepEqual(selectForExpansion(Float32Array.from([0.3]), 0, 0.3), [true]);
});
