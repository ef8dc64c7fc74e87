/**
 * The kit's wasm BatchMatMul (lib/backend/wasm_kernels/batch_mat_mul.ts) against the cpu backend:
 * transposed operands, batches (also broadcast from batch 1), rank 4 (attention heads), and the
 * gradients of matMul (which use transposed products) on a batched case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seededUniform, maxRelDiff } from './random';

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

const CASES: Case[] = [
  { a: [5, 7], b: [7, 3], ta: false, tb: false },
  { a: [7, 5], b: [7, 3], ta: true, tb: false },
  { a: [5, 7], b: [3, 7], ta: false, tb: true },
  { a: [7, 5], b: [3, 7], ta: true, tb: true },
  { a: [4, 5, 7], b: [4, 7, 3], ta: false, tb: false },
  { a: [4, 7, 5], b: [4, 3, 7], ta: true, tb: true },
  { a: [2, 3, 6, 4], b: [2, 3, 6, 4], ta: false, tb: true }, // q k^T per head
  { a: [2, 3, 6, 6], b: [2, 3, 6, 4], ta: true, tb: false },
  { a: [4, 5, 7], b: [1, 7, 3], ta: false, tb: false }, // right operand broadcast: one product of 20 rows
  { a: [4, 5, 7], b: [7, 3], ta: false, tb: false },
  { a: [1, 5, 7], b: [4, 3, 7], ta: false, tb: true }, // left operand broadcast
  { a: [3, 0, 4], b: [3, 4, 2], ta: false, tb: false }, // empty
];

async function product(
  backend: 'wasm' | 'cpu',
  c: Case,
  a: Float32Array,
  b: Float32Array,
): Promise<{ data: Float32Array; shape: number[] }> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => tf.matMul(tf.tensor(a, c.a), tf.tensor(b, c.b), c.ta, c.tb));
  const r = { data: (await out.data()) as Float32Array, shape: out.shape };
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  return r;
}

test('BatchMatMul on wasm equals cpu: transposes, batches, rank 4, broadcast batch', async () => {
  const u = seededUniform(31);
  for (const c of CASES) {
    const a = u(c.a.reduce((x, y) => x * y, 1));
    const b = u(c.b.reduce((x, y) => x * y, 1));
    const w = await product('wasm', c, a, b);
    const cpu = await product('cpu', c, a, b);
    assert.deepEqual(w.shape, cpu.shape, JSON.stringify(c));
    const d = maxRelDiff(w.data, cpu.data);
    assert.ok(d < 1e-5, `${JSON.stringify(c)}: wasm vs cpu differ by ${d}`);
  }
});

test('gradients of a batched matMul on wasm equal cpu', async () => {
  const u = seededUniform(32);
  const a = u(2 * 3 * 5 * 4);
  const b = u(2 * 3 * 4 * 6);
  const r = u(2 * 3 * 5 * 6);
  const grads = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
    await initBackend(backend, { quiet: true });
    const gs = tf.tidy(() =>
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), tf.tensor(r, [2, 3, 5, 6]))))([
        tf.tensor(a, [2, 3, 5, 4]),
        tf.tensor(b, [2, 3, 4, 6]),
      ]),
    );
    const out = await Promise.all(gs.map((g) => g.data() as Promise<Float32Array>));
    tf.dispose(gs);
    return out;
  };
  const w = await grads('wasm');
  const c = await grads('cpu');
  w.forEach((g, i) => assert.ok(maxRelDiff(g, c[i]) < 1e-5, `gradient ${i} differs by ${maxRelDiff(g, c[i])}`));
});
