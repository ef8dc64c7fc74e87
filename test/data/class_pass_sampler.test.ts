/**
 * hyp_metric's sampler (lib/data/class_pass_sampler.ts): one pass over the classes per epoch, m
 * images each (without replacement when a class has m), class-major batches of distinct classes,
 * floor(classes x m / batch) batches, a draw fixed by (seed, epoch).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClassPassSampler } from '../../lib/data/class_pass_sampler';

// 10 classes: class c has c + 1 images (class 0 one image, class 9 ten)
const labels = Array.from({ length: 10 }, (_, c) => Array.from({ length: c + 1 }, () => c)).flat();

test('an epoch is one pass over the classes: class-major groups of m, distinct classes, the rest dropped', () => {
  const s = new ClassPassSampler({ labels, batchSize: 9, mPerClass: 3, seed: 1 });
  assert.equal(s.batchesPerEpoch(), 3); // floor(10 x 3 / 9)
  const batches = s.epoch(4);
  assert.equal(batches.length, 3);
  const classes = batches.flatMap((b) => {
    assert.equal(b.length, 9);
    const groups = [0, 3, 6].map((o) => b.slice(o, o + 3).map((i) => labels[i]));
    for (const g of groups) assert.ok(g.every((l) => l === g[0]), `a group of 3 rows is one class: ${g}`);
    return groups.map((g) => g[0]);
  });
  assert.equal(new Set(classes).size, 9, 'no class twice in an epoch');
  for (const b of batches) {
    for (const o of [0, 3, 6]) {
      const idx = b.slice(o, o + 3);
      if (labels[idx[0]] >= 2) assert.equal(new Set(idx).size, 3, `class ${labels[idx[0]]} has >= 3 images: drawn without replacement`);
    }
  }
  assert.deepEqual(s.epoch(4), batches, 'the same (seed, epoch), the same batches');
  assert.notDeepEqual(s.epoch(5), batches);
  assert.notDeepEqual(new ClassPassSampler({ labels, batchSize: 9, mPerClass: 3, seed: 2 }).epoch(4), batches);
});

test('a class with fewer than m images is drawn with replacement; bad sizes are named', () => {
  const s = new ClassPassSampler({ labels, batchSize: 40, mPerClass: 4 }); // every class in the one batch
  const [batch] = s.epoch(0);
  assert.deepEqual(batch.slice(0).filter((i) => labels[i] === 0), [0, 0, 0, 0], 'class 0 has one image: it is repeated');
  assert.throws(() => new ClassPassSampler({ labels, batchSize: 10, mPerClass: 4 }), /batchSize 10 must be a positive multiple of mPerClass 4/);
  assert.throws(() => new ClassPassSampler({ labels, batchSize: 44, mPerClass: 4 }), /10 classes x 4 images give no full batch of 44/);
});
