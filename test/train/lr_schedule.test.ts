import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrMultiplier, parseLrDecay } from '../../lib/train/lr_schedule';

test('constant schedule is 1 everywhere (official default)', () => {
  for (const it of [0, 5, 99]) assert.equal(lrMultiplier({ kind: 'constant' }, it, 10, 10), 1);
});

test('cosine goes from 1 toward min_lr_scale per iteration (hand values, 2 epochs x 2 iters)', () => {
  const d = { kind: 'cosine' as const, minLrScale: 0.1 };
  // total 4 iterations: 0.1 + 0.45 * (1 + cos(pi * i / 4))
  assert.equal(lrMultiplier(d, 0, 2, 2), 1);
  assert.ok(Math.abs(lrMultiplier(d, 1, 2, 2) - (0.1 + 0.45 * (1 + Math.SQRT1_2))) < 1e-12);
  assert.ok(Math.abs(lrMultiplier(d, 2, 2, 2) - 0.55) < 1e-12);
  assert.ok(Math.abs(lrMultiplier(d, 3, 2, 2) - (0.1 + 0.45 * (1 - Math.SQRT1_2))) < 1e-12);
});

test('step schedule is gamma ** (iter // (step * iters))', () => {
  const d = { kind: 'step' as const, stepEpochs: 2, gamma: 0.5 };
  // 3 iters per epoch, step every 2 epochs = 6 iterations
  const got = [0, 5, 6, 11, 12].map((i) => lrMultiplier(d, i, 10, 3));
  assert.deepEqual(got, [1, 1, 0.5, 0.5, 0.25]);
});

test('parseLrDecay reads the official spellings and rejects others', () => {
  assert.deepEqual(parseLrDecay(undefined), { kind: 'constant' });
  assert.deepEqual(parseLrDecay('None'), { kind: 'constant' });
  assert.deepEqual(parseLrDecay('cosine', 0.2), { kind: 'cosine', minLrScale: 0.2 });
  assert.deepEqual(parseLrDecay('5', 0.1, 0.25), { kind: 'step', stepEpochs: 5, gamma: 0.25 });
  assert.throws(() => parseLrDecay('linear'), /lr_decay="linear"/);
  assert.throws(() => lrMultiplier({ kind: 'constant' }, -1, 1, 1), /iter=-1/);
});
