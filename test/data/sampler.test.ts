import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UniqueClassSampler, sequentialBatches } from '../../lib/data/sampler';

// 30 classes; class c has (c % 4) + 1 images
const labels: number[] = [];
for (let c = 0; c < 30; c++) for (let k = 0; k <= c % 4; k++) labels.push(c);

test('batches: batch/m distinct classes, m images each, of that class; floor(N / batch) per epoch', () => {
  const s = new UniqueClassSampler({ labels, batchSize: 12, mPerClass: 2 });
  assert.equal(s.batchesPerEpoch(), Math.floor(labels.length / 12));
  for (const batch of s.epoch(0)) {
    assert.equal(batch.length, 12);
    const classes: number[] = [];
    for (let k = 0; k < 12; k += 2) {
      assert.equal(labels[batch[k]], labels[batch[k + 1]], 'a class block holds one class');
      classes.push(labels[batch[k]]);
    }
    assert.equal(new Set(classes).size, 6, 'classes drawn without replacement');
  }
});

test('seeded and epoch dependent', () => {
  const a = new UniqueClassSampler({ labels, batchSize: 12, mPerClass: 2, seed: 3 });
  const b = new UniqueClassSampler({ labels, batchSize: 12, mPerClass: 2, seed: 3 });
  assert.deepEqual(a.epoch(5), b.epoch(5));
  assert.notDeepEqual(a.epoch(5), a.epoch(6));
  assert.notDeepEqual(a.batch(0, 0), a.batch(1, 0));
});

test('statistics: classes uniform, images uniform with replacement', () => {
  const s = new UniqueClassSampler({ labels, batchSize: 10, mPerClass: 2 });
  const classCount = new Array(30).fill(0);
  const pickCount = new Map<number, number>();
  let sameInClass4 = 0;
  let class4Blocks = 0;
  const batches = 4000;
  for (let i = 0; i < batches; i++) {
    const batch = s.batch(i, 7);
    for (let k = 0; k < batch.length; k += 2) {
      const c = labels[batch[k]];
      classCount[c]++;
      for (const idx of [batch[k], batch[k + 1]]) pickCount.set(idx, (pickCount.get(idx) ?? 0) + 1);
      if (c % 4 === 3) { class4Blocks++; if (batch[k] === batch[k + 1]) sameInClass4++; }
    }
  }
  // each class is in a batch with probability 5/30; binomial sd = sqrt(n p (1-p))
  const p = 5 / 30;
  const sd = Math.sqrt(batches * p * (1 - p));
  for (const n of classCount) assert.ok(Math.abs(n - batches * p) < 5 * sd, `class count ${n} vs ${batches * p}`);
  // within a class of 4 images, two draws with replacement coincide with probability 1/4
  const rate = sameInClass4 / class4Blocks;
  assert.ok(Math.abs(rate - 0.25) < 5 * Math.sqrt(0.25 * 0.75 / class4Blocks), `duplicate rate ${rate}`);
  // images of one class are picked equally often: class 27 (4 images)
  const first = labels.indexOf(27);
  const picks = [0, 1, 2, 3].map((k) => pickCount.get(first + k) ?? 0);
  const mean = picks.reduce((a, b) => a + b) / 4;
  for (const n of picks) assert.ok(Math.abs(n - mean) < 5 * Math.sqrt(mean), `picks ${picks}`);
});

test('more classes asked than exist: drawn with replacement; bad batch size is an error', () => {
  const few = [0, 0, 1, 1, 2, 2, 0, 1, 2, 0, 1, 2];
  const s = new UniqueClassSampler({ labels: few, batchSize: 8, mPerClass: 2 });
  assert.equal(s.batch(0, 0).length, 8);
  assert.throws(() => new UniqueClassSampler({ labels, batchSize: 13, mPerClass: 2 }), /batchSize 13 must be a positive multiple of mPerClass 2/);
  assert.throws(() => new UniqueClassSampler({ labels: [0, 1], batchSize: 4, mPerClass: 2 }), /no full batch/);
});

test('sequentialBatches covers every index once, never drops the remainder', () => {
  const b = sequentialBatches(11, 4);
  assert.deepEqual(b, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]);
  assert.deepEqual(sequentialBatches(0, 4), []);
});
