/** A sweep's pool shape: runs at once x training threads per run never exceeds the cores; SEE_WORKERS read as the training loop reads it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultJobs, onePerCore, parseJobs, poolShape, workersPerRun } from '../../lib/sweeps/jobs';

test('SEE_WORKERS: a positive integer, unset or empty = the cores', () => {
  assert.equal(workersPerRun('3', 8), 3);
  assert.equal(workersPerRun(undefined, 8), 8);
  assert.equal(workersPerRun(' ', 8), 8);
  assert.throws(() => workersPerRun('0', 8), /SEE_WORKERS="0": expected a positive integer/);
  assert.throws(() => workersPerRun('two', 8), /SEE_WORKERS="two"/);
  assert.equal(defaultJobs(8, 3), 2);
  assert.equal(defaultJobs(2, 4), 1);
});

test('pool shape: jobs x workers stays within the cores unless both are given', () => {
  assert.deepEqual(poolShape(undefined, '2', 16), { jobs: 8, workers: 2 }); // SEE_WORKERS set: cores / it
  assert.deepEqual(poolShape(undefined, undefined, 16), { jobs: 1, workers: 16 }); // neither: one run on every core
  assert.deepEqual(poolShape(4, undefined, 16), { jobs: 4, workers: 4 }); // --jobs alone: the cores shared out
  assert.deepEqual(poolShape(2, undefined, 2), { jobs: 2, workers: 1 });
  assert.deepEqual(poolShape(3, undefined, 2), { jobs: 3, workers: 1 }); // more jobs than cores: one thread each
  assert.deepEqual(poolShape(3, '5', 2), { jobs: 3, workers: 5 }); // both given: the user's choice stands
  assert.equal(parseJobs('4'), 4);
  assert.throws(() => parseJobs('0'), /--jobs 0: expected a positive integer/);
});

test('many small runs: one per core when SEE_WORKERS is unset, at most the runs; SEE_WORKERS set leaves it to poolShape', () => {
  assert.equal(onePerCore(6, undefined, 2), 2);
  assert.equal(onePerCore(6, undefined, 16), 6);
  assert.equal(onePerCore(6, '2', 16), undefined);
  assert.deepEqual(poolShape(onePerCore(6, undefined, 16), undefined, 16), { jobs: 6, workers: 2 });
});
