/**
 * The kit's wasm Unpack (lib/backend/wasm_kernels/unpack.ts): the contiguous cases (axis 0, or
 * size-1 axes before it) copy blocks; every case equals the cpu backend, values and gradients,
 * for float32, int32 and bool, and leaves no tensor behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';

const CASES: Array<{ shape: number[]; axis: number; dtype: 'float32' | 'int32' | 'bool' }> = [
  { shape: [3, 2, 4, 5, 3], axis: 0, dtype: 'float32' }, // ViT's [3, B, h, N, hd]
  { shape: [1, 4, 3], axis: 1, dtype: 'float32' }, // size-1 axis first: still contiguous
  { shape: [2, 4, 3], axis: 1, dtype: 'float32' }, // strided: wasm's own kernel
  { shape: [5, 7], axis: -2, dtype: 'int32' },
  { shape: [3, 2], axis: 0, dtype: 'bool' },
];

async function unstacked(c: (typeof CASES)[number]): Promise<number[][]> {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => ((i * 7) % 11) - 5 + (c.dtype === 'float32' ? 0.25 : 0));
  const x =
    c.dtype === 'bool'
      ? tf.tensor(
          values.map((v) => v > 0),
          c.shape,
          'bool',
        )
      : tf.tensor(values, c.shape, c.dtype);
  const parts = tf.unstack(x, c.axis);
  const out = await Promise.all(parts.map(async (p) => [...p.shape, ...Array.from(await p.data())]));
  tf.dispose([x, ...parts]);
  return out;
}

test('Unpack on wasm equals cpu (contiguous and strided, float32, int32, bool) and leaks nothing', async () => {
  for (const c of CASES) {
    await initBackend('cpu', { quiet: true });
    const expected = await unstacked(c);
    await initBackend('wasm', { quiet: true });
    const before = tf.memory().numTensors;
    const got = await unstacked(c);
    assert.equal(tf.memory().numTensors, before, `${JSON.stringify(c)}: tensors left behind`);
    assert.deepEqual(got, expected, JSON.stringify(c));
  }
});

test('the gradient through a wasm unstack equals cpu', async () => {
  const grad = async (backend: 'wasm' | 'cpu'): Promise<number[]> => {
    await initBackend(backend, { quiet: true });
    const x = tf.tensor(
      Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [3, 2, 4],
    );
    const g = tf.grad((t: tf.Tensor) => {
      const [a, b, c] = tf.unstack(t, 0);
      return tf.sum(tf.add(tf.mul(a, 2), tf.mul(tf.square(b), c)));
    })(x);
    const out = Array.from(await g.data());
    tf.dispose([x, g]);
    return out;
  };
  const expected = await grad('cpu');
  const got = await grad('wasm');
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `gradient ${i}: ${v} vs ${expected[i]}`));
});
