/**
 * readStepHealth (lib/train/step_health.ts): the loss and the names of the gradients with NaN or
 * Infinity, the same on wasm (a host pass over the heap, gradientsFiniteOnHeap) and on cpu (one
 * tensor of sum(g * 0) per gradient), whichever entry is bad (first, last, a lone -Infinity), with
 * no tensor left behind; and gradientsFiniteOnHeap answers only on wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../lib/tf';
import { gradientsFiniteOnHeap, readStepHealth } from '../../lib/train/step_health';

/** name -> values of a gradient of 37 entries (odd, so no SIMD-sized length), with `bad` written at `at` */
const CASES: Array<{ name: string; at?: number; bad?: number }> = [
  { name: 'clean' },
  { name: 'nan_first', at: 0, bad: NaN },
  { name: 'inf_last', at: 36, bad: Infinity },
  { name: 'neg_inf_middle', at: 18, bad: -Infinity },
  { name: 'huge_but_finite', at: 5, bad: 3.4e38 },
];

function gradients(): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const c of CASES) {
    const values = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i + 1));
    if (c.at !== undefined) values[c.at] = c.bad!;
    out[c.name] = tf.tensor2d(values, [37, 1]);
  }
  out.empty = tf.zeros([0]);
  return out;
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`readStepHealth on ${backend}: the loss and exactly the gradients with NaN or Infinity`, async () => {
    await initBackend(backend, { quiet: true });
    const grads = gradients();
    const value = tf.scalar(1.25);
    const before = tf.memory().numTensors;
    const health = await readStepHealth(value, grads);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    assert.equal(health.loss, 1.25);
    assert.deepEqual(health.nonFiniteGradients, ['nan_first', 'inf_last', 'neg_inf_middle']);
    const onHeap = gradientsFiniteOnHeap(Object.values(grads));
    if (backend === 'wasm') assert.deepEqual(onHeap, [true, false, false, false, true, true]);
    else assert.equal(onHeap, undefined, 'off wasm the host pass does not answer');
    value.dispose();
    tf.dispose(grads);
  });
}

test('readStepHealth on wasm: a NaN loss is read as NaN with clean gradients', async () => {
  await initBackend('wasm', { quiet: true });
  const grads = { g: tf.ones([4]) };
  const value = tf.scalar(NaN);
  const health = await readStepHealth(value, grads);
  assert.ok(Number.isNaN(health.loss));
  assert.deepEqual(health.nonFiniteGradients, []);
  value.dispose();
  tf.dispose(grads);
});
