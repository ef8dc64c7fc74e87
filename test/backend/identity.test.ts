/**
 * The kit's wasm Identity shares its input's memory: a clone costs no new buffer, the two
 * tensors stay valid when either is disposed, and gradients (which clone what they save) are
 * unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';

test('Identity on wasm shares the buffer; each handle survives the other', async () => {
  await initBackend('wasm', { quiet: true });
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const buffers = tf.memory().numDataBuffers;
  const y = tf.clone(x);
  assert.equal(tf.memory().numDataBuffers, buffers, 'a clone allocated a new buffer');
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), [1, 2, 3, 4]);
  const z = tf.clone(y);
  y.dispose();
  assert.deepEqual(Array.from(await z.data()), [1, 2, 3, 4]);
  z.dispose();
  const s = tf.engine().runKernel('Identity', { x: tf.tensor(['a']) }) as tf.Tensor;
  assert.equal(s.dtype, 'string');
  s.dispose();
});

test('gradients through ops that save their inputs are unchanged (against cpu)', async () => {
  const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.exp(x), tf.square(x)));
  const run = async (backend: 'wasm' | 'cpu'): Promise<number[]> => {
    await initBackend(backend, { quiet: true });
    const g = tf.tidy(() => tf.grad(f)(tf.tensor([0.5, -1, 2])));
    const v = Array.from(await g.data());
    g.dispose();
    return v;
  };
  const w = await run('wasm');
  const c = await run('cpu');
  w.forEach((v, i) => assert.ok(Math.abs(v - c[i]) <= 1e-5 * Math.max(1, Math.abs(c[i])), `${v} vs ${c[i]}`));
});
