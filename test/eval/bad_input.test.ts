/** Bad input: each a clear error or a documented rule; tensor inputs leave no tensors behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, prepareSet } from '../../lib/eval';
import { tf, initBackend } from '../../lib/tf';

const x4 = Float32Array.from([1, 0, 0, 1, 0.6, 0.8, -1, 0]);

test('labels and rows of different lengths', async () => {
  await assert.rejects(evaluate({ embeddings: x4, dim: 2, labels: [0, 1, 0] }, 'cub', { ks: [1] }), /4 embedding rows but 3 labels/);
  await assert.rejects(evaluate({ embeddings: x4, dim: 3, labels: [0] }, 'cub'), /length 8 is not a multiple of dim 3/);
  await assert.rejects(evaluate({ embeddings: x4, labels: [0, 0, 1, 1] }, 'cub'), /`dim` must be a positive integer/);
});

test('NaN, Infinity and all-zero rows name the row', async () => {
  const bad = x4.slice();
  bad[5] = NaN;
  await assert.rejects(evaluate({ embeddings: bad, dim: 2, labels: [0, 0, 1, 1] }, 'cub', { ks: [1] }), /row 2 contains NaN or Infinity/);
  const zero = x4.slice();
  zero[2] = 0;
  zero[3] = 0;
  await assert.rejects(evaluate({ embeddings: zero, dim: 2, labels: [0, 0, 1, 1] }, 'cub', { ks: [1] }), /row 1 is all zeros/);
  assert.throws(() => prepareSet({ embeddings: x4, dim: 2, labels: [0, 0.5, 1, 1] }), /label 1 is 0.5, expected an integer/);
});

test('K larger than the references a query is ranked against', async () => {
  await assert.rejects(
    evaluate({ embeddings: x4, dim: 2, labels: [0, 0, 1, 1] }, 'cub', { ks: [1, 4] }),
    /K = 4 is larger than the 3 references/,
  );
  await assert.rejects(evaluate({ embeddings: x4, dim: 2, labels: [0, 0, 1, 1] }, 'cub', { ks: [0] }), /K = 0 is not a positive integer/);
  const r = await evaluate({ embeddings: x4, dim: 2, labels: [0, 0, 1, 1] }, 'cub', { ks: [3], onProgress: false });
  assert.equal(r.recall?.[0].recall, 1, 'K = N - 1 is allowed: every query with a positive is a hit');
});

test('a query whose class has no other member: a miss by default, an error on request', async () => {
  const r = await evaluate({ embeddings: x4, dim: 2, labels: [0, 0, 1, 2] }, 'cub', { ks: [1, 3], onProgress: false });
  assert.equal(r.queriesWithoutPositive, 2);
  assert.equal(r.recall?.[1].recall, 0.5, 'queries 2 and 3 can never hit, and stay in the denominator');
  await assert.rejects(
    evaluate({ embeddings: x4, dim: 2, labels: [0, 0, 1, 2] }, 'cub', { ks: [1], noPositive: 'error' }),
    /query 2 \(label 1\) has no same-label reference/,
  );
});

test('protocol and set shape must agree; query and gallery dims must agree', async () => {
  const set = { embeddings: x4, dim: 2, labels: [0, 0, 1, 1] };
  await assert.rejects(evaluate(set, 'inshop'), /protocol inshop expects \{ query, gallery \}/);
  await assert.rejects(
    evaluate({ query: set, gallery: { embeddings: x4, dim: 4, labels: [0, 1] } }, 'inshop', { ks: [1] }),
    /query dim 2 differs from gallery dim 4/,
  );
  await assert.rejects(evaluate(set, 'nope' as 'cub'), /unknown protocol "nope"/);
});

test('rows off unit norm are normalised on a copy (cosine), never in place', async () => {
  const scaled = Float32Array.from([3, 0, 0, 2, 0.6, 0.8, -5, 0]);
  const before = scaled.slice();
  const p = prepareSet({ embeddings: scaled, dim: 2, labels: [0, 0, 1, 1] });
  assert.ok(p.normalized);
  assert.deepEqual(scaled, before);
  assert.ok(Math.abs(p.embeddings[0] - 1) < 1e-7 && Math.abs(p.embeddings[6] + 1) < 1e-7);
  const unit = prepareSet({ embeddings: x4, dim: 2, labels: [0, 0, 1, 1] });
  assert.equal(unit.normalized, false, 'unit rows are used as given');
});

test('tensor inputs give the same result and leave no tensor behind', async () => {
  await initBackend('cpu', { quiet: true });
  const xs = tf.tensor2d(x4, [4, 2]);
  const ys = tf.tensor1d([0, 1, 0, 1], 'int32');
  const before = tf.memory().numTensors;
  const a = await evaluate({ embeddings: xs, labels: ys }, 'cub', { ks: [1, 2], onProgress: false });
  assert.equal(tf.memory().numTensors, before);
  const b = await evaluate({ embeddings: x4, dim: 2, labels: [0, 1, 0, 1] }, 'cub', { ks: [1, 2], onProgress: false });
  assert.deepEqual(a.recall, b.recall);
  tf.dispose([xs, ys]);
});
