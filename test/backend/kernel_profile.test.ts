/**
 * profileKernels (lib/backend/kernel_profile.ts): counts every kernel call by name and input
 * shapes, charges a kernel built from other kernels only its own time (the kernels add up to at
 * most the wall time), puts the original kernels back, also when the work throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { profileKernels } from '../../lib/backend/kernel_profile';

test('profileKernels counts calls per kernel and per input shapes; self times add up to the wall time at most', async () => {
  await initBackend('wasm', { quiet: true });
  const a = tf.ones([64, 32]);
  const b = tf.ones([32, 16]);
  const p = await profileKernels(async () => {
    const r = tf.tidy(() => tf.add(tf.matMul(a, b), tf.matMul(a, b)));
    const v = await r.data();
    r.dispose();
    return v[0];
  });
  assert.equal(p.result, 64);
  const mm = p.kernels.find((k) => k.kernel === 'BatchMatMul');
  assert.equal(mm?.calls, 2);
  assert.equal(p.kernels.find((k) => k.kernel === 'Add')?.calls, 1);
  assert.deepEqual(
    p.byShape.filter((s) => s.kernel === 'BatchMatMul').map((s) => [s.shapes, s.calls]),
    [['[64,32] [32,16]', 2]],
  );
  const total = p.kernels.reduce((s, k) => s + k.selfMs, 0);
  assert.ok(total <= p.wallMs + 1e-6 && Math.abs(p.otherMs - (p.wallMs - total)) < 1e-9);
  for (let i = 1; i < p.kernels.length; i++) assert.ok(p.kernels[i - 1].selfMs >= p.kernels[i].selfMs, 'most expensive first');
  tf.dispose([a, b]);
});

test('a kernel made of kernels is charged its own time only (a 3x3 stride-1 Conv2DBackpropInput runs Conv2D inside)', async () => {
  await initBackend('wasm', { quiet: true });
  const dy = tf.ones([2, 9, 9, 16]); // 162 rows for 16 channels: not few enough for the patch-gradient path
  const filter = tf.ones([3, 3, 8, 16]);
  const p = await profileKernels(() => {
    // the full convolution of dy with the flipped filter (conv2d_backprop_input.ts)
    const g = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      inputShape: [2, 11, 11, 8],
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    g.dispose();
  });
  const outer = p.kernels.find((k) => k.kernel === 'Conv2DBackpropInput');
  const inner = p.kernels.find((k) => k.kernel === 'Conv2D');
  assert.ok(outer && inner, `expected both kernels, got ${p.kernels.map((k) => k.kernel).join(', ')}`);
  assert.ok(outer.selfMs + inner.selfMs <= p.wallMs + 1e-6);
  tf.dispose([dy, filter]);
});

test('profileKernels restores the kernels, also when the work throws', async () => {
  await initBackend('wasm', { quiet: true });
  const before = tf.getKernel('Add', 'wasm');
  await assert.rejects(
    profileKernels(() => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(tf.getKernel('Add', 'wasm'), before);
  await profileKernels(() => tf.tidy(() => tf.add(tf.ones([2]), 1)));
  assert.equal(tf.getKernel('Add', 'wasm'), before);
});
