/**
 * Seed summaries and paired differences against numbers worked by hand (the t quantiles of 2 degrees
 * of freedom in closed form: t_{0.975}(2) = 0.95 / sqrt(2 * 0.975 * 0.025) = 4.30265).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedDifference, summarize } from '../../lib/stats/intervals';

const close = (a: number | null, b: number, tol: number, what: string): void =>
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const T975_2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);

test('summarize [2, 4, 9]: mean 5, sd sqrt(13), 95% half-width t(2) * sqrt(13 / 3) = 8.9567', () => {
  const s = summarize([2, 4, 9]);
  assert.equal(s.n, 3);
  assert.equal(s.mean, 5);
  close(s.sd, Math.sqrt(13), 1e-12, 'sd'); // deviations -3, -1, 4: (9 + 1 + 16) / 2 = 13
  close(s.halfWidth, T975_2 * Math.sqrt(13 / 3), 1e-9, 'half-width');
  close(s.halfWidth, 8.9567, 1e-4, 'half-width (4 decimals)');
  assert.equal(s.level, 0.95);
});

test('summarize [1, 2, 3, 4]: sd sqrt(5/3), 95% half-width 3.182 * sqrt(5/3) / 2; 90% is narrower', () => {
  const s = summarize([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  close(s.sd, Math.sqrt(5 / 3), 1e-12, 'sd');
  close(s.halfWidth, (3.182446 * Math.sqrt(5 / 3)) / 2, 1e-6, '95% half-width');
  close(summarize([1, 2, 3, 4], 0.9).halfWidth, (2.353363 * Math.sqrt(5 / 3)) / 2, 1e-6, '90% half-width (t_.95(3) = 2.353)');
});

test('one seed: the mean, no spread, no interval', () => {
  assert.deepEqual(summarize([45.9]), { n: 1, mean: 45.9, sd: null, halfWidth: null, level: 0.95 });
});

test('bad input names what was wrong', () => {
  assert.throws(() => summarize([]), /summarize: no values \(one per seed expected\)/);
  assert.throws(() => summarize([1, NaN]), /summarize: value 1 is NaN, expected a finite number/);
  assert.throws(() => summarize([1, 2], 95), /confidence level 95, expected a number strictly between 0 and 1/);
  assert.throws(
    () => pairedDifference(new Map([[0, 1]]), new Map([[1, 2]])),
    /pairedDifference: no seed in common \(variant 0, baseline 1\)/,
  );
});

test('paired difference of (11, 14, 12) - (10, 12, 11): mean 4/3, t = 4, p = 1 - 4/sqrt(18) = 0.0572, interval contains 0', () => {
  const d = pairedDifference(
    new Map([
      [0, 11],
      [1, 14],
      [2, 12],
    ]),
    new Map([
      [0, 10],
      [1, 12],
      [2, 11],
    ]),
  );
  assert.deepEqual(d.seeds, [0, 1, 2]);
  close(d.mean, 4 / 3, 1e-12, 'mean difference');
  close(d.sd, Math.sqrt(1 / 3), 1e-12, 'sd of the differences');
  close(d.t, 4, 1e-12, 't = (4/3) / (sqrt(1/3) / sqrt(3))');
  close(d.p, 1 - 4 / Math.sqrt(18), 1e-12, 'two-sided p');
  close(d.halfWidth, T975_2 / 3, 1e-9, 'half-width');
  assert.equal(d.significant, false);
});

test('paired difference (1.1, 0.9, 1.0): t = 17.32, p = 0.0033, significant; pairs only over common seeds', () => {
  const d = pairedDifference(
    new Map([
      [3, 2.1],
      [5, 1.9],
      [7, 3.0],
      [9, 0],
    ]),
    new Map([
      [3, 1],
      [5, 1],
      [7, 2],
    ]),
  );
  assert.deepEqual(d.seeds, [3, 5, 7]);
  close(d.mean, 1, 1e-12, 'mean');
  close(d.t, Math.sqrt(300), 1e-9, 't = 1 / (0.1 / sqrt 3)');
  close(d.p, 1 - Math.sqrt(300) / Math.sqrt(302), 1e-9, 'p');
  assert.equal(d.significant, true);
});

test('a paired difference without spread: same difference every seed is decided by its sign; one pair has no test', () => {
  const same = pairedDifference(
    new Map([
      [0, 3],
      [1, 4],
    ]),
    new Map([
      [0, 1],
      [1, 2],
    ]),
  );
  assert.deepEqual([same.mean, same.sd, same.halfWidth, same.t, same.p, same.significant], [2, 0, 0, Infinity, 0, true]);
  const tie = pairedDifference(
    new Map([
      [0, 1],
      [1, 2],
    ]),
    new Map([
      [0, 1],
      [1, 2],
    ]),
  );
  assert.deepEqual([tie.t, tie.p, tie.significant], [0, 1, false]);
  const one = pairedDifference(new Map([[0, 3]]), new Map([[0, 1]]));
  assert.deepEqual([one.n, one.mean, one.t, one.p, one.significant], [1, 2, null, null, false]);
});
