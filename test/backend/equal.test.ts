/**
 * The kit's wasm Equal for a broadcast operand (lib/backend/wasm_kernels/equal.ts) against the
 * cpu backend: feature map vs its per-channel maximum, two-sided broadcasting, a scalar, int32,
 * NaN; and the gradient of tf.max over the spatial axes (the ResNet head), ties included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';

async function on(backend: 'wasm' | 'cpu', f: () => tf.Tensor): Promise<number[]> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const values = [...out.shape, ...Array.from(await out.data())];
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors left behind`);
  return values;
}

const values = (n: number, mod: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7) % mod) - 2);

test('Equal with a broadcast operand on wasm equals cpu', async () => {
  const cases: Array<{ a: number[]; b: number[]; dtype: 'float32' | 'int32' }> = [
    { a: [2, 3, 4, 5], b: [2, 1, 1, 5], dtype: 'float32' },
    { a: [3, 1], b: [1, 4], dtype: 'float32' },
    { a: [5], b: [], dtype: 'int32' },
    { a: [1, 6], b: [4, 1, 6], dtype: 'int32' },
  ];
  for (const c of cases) {
    const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
    const f = (): tf.Tensor => {
      const a = tf.tensor(values(size(c.a), 5), c.a, c.dtype);
      const bv = values(size(c.b), 3);
      if (c.dtype === 'float32' && bv.length > 1) bv[1] = NaN;
      return tf.equal(a, tf.tensor(bv, c.b, c.dtype));
    };
    assert.deepEqual(await on('wasm', f), await on('cpu', f), JSON.stringify(c));
  }
});

test('the gradient of a spatial max (every tie gets the gradient) on wasm equals cpu', async () => {
  const f = (): tf.Tensor =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.max(x, [1, 2]), tf.tensor([[1, 2, 3]]))))(
      tf.tensor(values(2 * 3 * 3 * 3, 4), [2, 3, 3, 3]), // small range: ties in every channel
    );
  assert.deepEqual(await on('wasm', f), await on('cpu', f));
});
