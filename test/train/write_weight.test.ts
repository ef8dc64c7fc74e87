/**
 * writeWeight (lib/train/parallel/write_weight.ts), how a training worker takes the main thread's
 * new weights: on wasm a weight alone in its memory is overwritten in place; one whose memory a clone
 * shares gets a new tensor, and the clone keeps the old values; off wasm always the new tensor. A
 * wrong count of values is refused, naming the weight. No tensors are left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../lib/tf';
import { writeWeight } from '../../lib/train/parallel/write_weight';

const OLD = [1, 2, 3, 4, 5, 6];
const NEW = new Float32Array([10, 20, 30, 40, 50, 60]);

/** a weight holding OLD, alone in its memory (tf.variable shares its initial tensor's until that is disposed) */
function weight(name: string): tf.Variable {
  const initial = tf.tensor2d(OLD, [2, 3]); // [2, 3]
  const v = tf.variable(initial, true, name);
  initial.dispose();
  return v;
}

test('on wasm a weight alone in its memory is written in place', async () => {
  await initBackend('wasm', { quiet: true });
  const v = weight('write_weight_alone');
  const before = tf.memory().numTensors;
  const dataId = v.dataId;
  assert.equal(writeWeight(v, NEW), true, 'not written in place');
  assert.equal(v.dataId, dataId, 'the variable got new memory');
  assert.deepEqual(Array.from(await v.data()), Array.from(NEW));
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  v.dispose();
});

test('on wasm a weight whose memory a clone shares gets a new tensor; the clone keeps the old values', async () => {
  await initBackend('wasm', { quiet: true });
  const v = weight('write_weight_shared');
  const clone = v.clone(); // shares v's memory (the kit's Identity counts a reference)
  const before = tf.memory().numTensors;
  assert.equal(writeWeight(v, NEW), false, 'written in place although a clone shares the memory');
  assert.deepEqual(Array.from(await v.data()), Array.from(NEW));
  assert.deepEqual(Array.from(await clone.data()), OLD, 'the clone changed with the weight');
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  tf.dispose([v, clone]);
});

test('off wasm the weight gets a new tensor; a wrong count of values is refused', async () => {
  await initBackend('cpu', { quiet: true });
  const v = weight('write_weight_cpu');
  assert.equal(writeWeight(v, NEW), false);
  assert.deepEqual(Array.from(await v.data()), Array.from(NEW));
  assert.throws(() => writeWeight(v, new Float32Array(5)), /5 values for weight write_weight_cpu of shape \[2,3\] \(6 values\)/);
  v.dispose();
});
