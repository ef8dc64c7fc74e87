/** Parity of the per-epoch thresholds of both plans with the official schedule (schedule.json), to 1e-12. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholdSchedule } from '../../lib/method/schedule';
import { readReference, reportParity } from './fixtures';

interface ScheduleCase {
  max_thresh: number;
  min_thresh: number;
  lower_bound: number;
  epochs: number;
  thresholds: { plan0: number[]; plan1: number[] };
}

test('threshold schedules match the official code on every schedule.json case', () => {
  const cases = readReference<ScheduleCase[]>('schedule.json');
  assert.ok(Array.isArray(cases), 'schedule.json must be a list of cases');
  cases.forEach((c, k) => {
    const s = { maxThresh: c.max_thresh, minThresh: c.min_thresh, lowerBound: c.lower_bound };
    for (const plan of [0, 1] as const) {
      const expected = plan === 0 ? c.thresholds.plan0 : c.thresholds.plan1;
      const got = thresholdSchedule(plan, c.epochs, s);
      assert.equal(got.length, expected.length, `schedule.json case ${k} plan ${plan}: length`);
      got.forEach((v, e) =>
        assert.ok(Math.abs(v - expected[e]) <= 1e-12, `schedule.json case ${k} plan ${plan} epoch ${e}: ${v} vs ${expected[e]}`),
      );
    }
  });
  reportParity('schedule.json', cases.length);
});
