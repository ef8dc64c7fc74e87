import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import { applyGradClip, clampGradients, clipGradientsByGlobalNorm } from '../../lib/train/grad_clip';

test('official clamp: every element to [-10, 10]', async () => {
  await initBackend('cpu', { quiet: true });
  const before = tf.memory().numTensors;
  const grads = { a: tf.tensor1d([-25, -10, 3, 10.5]), b: tf.tensor2d([[100, -0.5]]) };
  const out = clampGradients(grads, 10);
  assert.deepEqual(Array.from(out.a.dataSync()), [-10, -10, 3, 10]);
  assert.deepEqual(Array.from(out.b.dataSync()), [10, -0.5]);
  tf.dispose([grads.a, grads.b, out.a, out.b]);
  assert.equal(tf.memory().numTensors, before);
});

test('global-norm clipping: [3] and [4] with max 1 become [0.6] and [0.8]; below max unchanged', async () => {
  await initBackend('cpu', { quiet: true });
  const before = tf.memory().numTensors;
  const grads = { a: tf.tensor1d([3]), b: tf.tensor1d([4]) };
  const out = clipGradientsByGlobalNorm(grads, 1);
  // coef = 1 / (5 + 1e-6)
  assert.ok(Math.abs(out.a.dataSync()[0] - 3 / (5 + 1e-6)) < 1e-6);
  assert.ok(Math.abs(out.b.dataSync()[0] - 4 / (5 + 1e-6)) < 1e-6);
  const big = clipGradientsByGlobalNorm(grads, 10);
  assert.deepEqual([big.a.dataSync()[0], big.b.dataSync()[0]], [3, 4]);
  assert.equal(applyGradClip(grads, { kind: 'none' }), grads);
  tf.dispose([grads.a, grads.b, out.a, out.b, big.a, big.b]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => clampGradients({}, 0), /value=0/);
});

test('official clamp on wasm: a gradient inside the bounds is passed on as it is; one outside, or with NaN, is clamped', async () => {
  await initBackend('wasm', { quiet: true });
  const before = tf.memory().numTensors;
  const grads = { inside: tf.tensor1d([-10, 0, 9.5, 10]), outside: tf.tensor1d([-25, 3, 10.5]), nan: tf.tensor1d([1, NaN]) };
  const withGrads = tf.memory().numTensors;
  const out = clampGradients(grads, 10);
  assert.equal(out.inside, grads.inside, 'no copy of a gradient the clamp leaves unchanged');
  assert.notEqual(out.outside, grads.outside);
  assert.deepEqual(Array.from(await out.outside.data()), [-10, 3, 10]);
  assert.notEqual(out.nan, grads.nan, 'NaN goes through the clamp kernel');
  assert.equal(tf.memory().numTensors, withGrads + 2, 'only the clamped ones are new tensors');
  tf.dispose([...Object.values(grads), out.outside, out.nan]);
  assert.equal(tf.memory().numTensors, before);
});
