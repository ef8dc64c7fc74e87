/**
 * StridedSlice gradient (lib/backend/wasm_kernels/strided_slice_grad.ts), on wasm and cpu:
 * d/dx sum(stridedSlice(x) * r) must put r[k] at the input position of output element k.
 * Those positions come from running the forward strided slice on a tensor of flat indices,
 * so the expectation shares nothing with the gradient's pad/reshape construction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seededUniform, maxRelDiff } from './random';

interface Case {
  shape: number[];
  begin: number[];
  end: number[];
  strides: number[];
  beginMask?: number;
  endMask?: number;
  ellipsisMask?: number;
  newAxisMask?: number;
  shrinkAxisMask?: number;
}

const CASES: Case[] = [
  { shape: [3, 2, 4, 5], begin: [1, 0, 0, 0], end: [2, 2, 4, 5], strides: [1, 1, 1, 1], shrinkAxisMask: 1 }, // qkv pick
  { shape: [2, 7, 6], begin: [0, 1, 0], end: [2, 7, 6], strides: [1, 2, 1] },
  { shape: [9, 8], begin: [1, 7], end: [9, 0], strides: [3, -2] }, // negative stride
  { shape: [4, 6, 5], begin: [0, 0, 4], end: [0, 0, 0], strides: [1, 2, -1], beginMask: 3, endMask: 7 },
  { shape: [2, 3, 4, 5], begin: [0, 1], end: [0, 4], strides: [1, 2], ellipsisMask: 1 }, // x[..., 1:4:2]
  { shape: [3, 5], begin: [0, 0, 1], end: [3, 0, 5], strides: [1, 1, 3], newAxisMask: 2 },
];

function slice(c: Case, x: tf.Tensor): tf.Tensor {
  return tf.stridedSlice(
    x,
    c.begin,
    c.end,
    c.strides,
    c.beginMask ?? 0,
    c.endMask ?? 0,
    c.ellipsisMask ?? 0,
    c.newAxisMask ?? 0,
    c.shrinkAxisMask ?? 0,
  );
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`StridedSlice gradient on ${backend} puts dy at the sliced positions (masks, negative strides)`, async () => {
    const u = seededUniform(31);
    for (const c of CASES) {
      const size = c.shape.reduce((a, b) => a * b, 1);
      // positions from the cpu forward: wasm's general StridedSlice writes int32 input as float32 (tfjs 4.22)
      await initBackend('cpu', { quiet: true });
      const picked = tf.tidy(() => slice(c, tf.reshape(tf.range(0, size, 1, 'int32'), c.shape)));
      const positions = (await picked.data()) as Int32Array;
      const outShape = picked.shape;
      picked.dispose();
      const r = u(positions.length);
      const expected = new Float64Array(size);
      positions.forEach((p, k) => {
        expected[p] += r[k];
      });
      await initBackend(backend, { quiet: true });
      const before = tf.memory().numTensors;
      const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(slice(c, x), tf.tensor(r, outShape))))(tf.tensor(u(size), c.shape)));
      assert.deepEqual(g.shape, c.shape);
      const got = await g.data();
      g.dispose();
      assert.equal(tf.memory().numTensors, before, `${JSON.stringify(c)}: leaked tensors`);
      assert.ok(maxRelDiff(got, expected) < 1e-6, `${JSON.stringify(c)}: gradient misplaced`);
    }
  });
}
