/** A sweep's pool shape: runs at once x training threads per run never exceeds the cores; SEE_WORKERS read as the training loop reads it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultJobs, onePerCore, parseJobs, poolShape } from '../../lib/sweeps/jobs';
import { trainWorkerCount } from '../../lib/train/parallel/worker_count';

test('SEE_WORKERS: a positive integer, unset or empty = the cores', () => {
  assert.equal(trainWorkerCount('3', 8), 3);
  assert.equal(trainWorkerCount(undefined, 8), 8);
  assert.equal(trainWorkerCount(' ', 8), 8);
  assert.throws(() => trainWorkerCount('0', 8), /SEE_WORKERS="0": expected a positive integer/);
  assert.throws(() => trainWorkerCount('two', 8), /SEE_WORKERS="two"/);
  assert.equal(defaultJobs(8, 3), 2);
  assert.equal(defaultJobs(2, 4), 1);
});

test('pool shape: jobs x workers stays within the cores unless both are given', () => {
  assert.deepEqual(poolShape(undefined, '2', 16), { jobs: 8, workers: 2 }); // SEE_WORKERS set: cores / it
  assert.deepEqual(poolShape(undefined, undefined, 16), { jobs: 1, workers: 16 }); // neither: one run on every core
  assert.deepEqual(poolShape(4, undefined, 16), { jobs: 4, workers: 4 }); // --jobs alone: the cores shared out
  assert.deepEqual(poolShape(2, undefined, 2), { jobs: 2, workers: 1 });
  assert.deepEqual(poolShape(3, undefined, 2), { jobs: 3, workers: 1 }); // more jobs than cores: one thread each
  // both given: the user's choice stands, and past the cores it is said
  const over = poolShape(3, '5', 2);
  assert.deepEqual([over.jobs, over.workers], [3, 5]);
  assert.match(over.oversubscribed ?? '', /--jobs 3 x SEE_WORKERS=5 = 15 training threads on 2 cores/);
  assert.deepEqual(poolShape(4, '2', 8), { jobs: 4, workers: 2 }); // within the cores: no note
  assert.equal(parseJobs('4'), 4);
  assert.throws(() => parseJobs('0'), /--jobs 0: expected a positive integer/);
});

test('many small runs: one per core when SEE_WORKERS is unset, at most the runs; SEE_WORKERS set leaves it to poolShape', () => {
  assert.equal(onePerCore(6, undefined, 2), 2);
  assert.equal(onePerCore(6, undefined, 16), 6);
  assert.equal(onePerCore(6, '2', 16), undefined);
  assert.deepEqual(poolShape(onePerCore(6, undefined, 16), undefined, 16), { jobs: 6, workers: 2 });
});
