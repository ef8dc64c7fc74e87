/**
 * wasm Conv2DBackpropFilter (lib/backend/wasm_kernels/conv2d_backprop_filter.ts): against the
 * cpu backend's kernel on random inputs over strides, paddings and filter sizes, and the
 * gradient of conv2d with respect to its filter against central finite differences of a
 * float64 loop convolution written here.
 * Dilations: tfjs's conv2d gradient requires dilation 1, so the kernel has no dilation attr;
 * the dilation the kernel itself uses internally (= forward stride) is covered by strides 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seededUniform, maxRelDiff } from './random';
import { CASES, convLoop, dyShape, padsOf, runBackpropFilter, runKernelDirectly, type Case } from './conv_cases';
import { conv2dBackpropFilterKernel } from '../../lib/backend/wasm_kernels/conv2d_backprop_filter';

async function backpropFilter(backend: 'wasm' | 'cpu', c: Case, x: Float32Array, dy: Float32Array, nchw = false): Promise<Float32Array> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = runBackpropFilter(c, x, dy, nchw);
  assert.deepEqual(out.shape, c.f);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: kernel leaked tensors`);
  return data;
}

test('Conv2DBackpropFilter on wasm equals cpu (strides 1/2, same/valid/explicit, filters 1..7)', async () => {
  const u = seededUniform(11);
  for (const c of CASES) {
    const x = u(c.x.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const wasm = await backpropFilter('wasm', c, x, dy);
    const cpu = await backpropFilter('cpu', c, x, dy);
    const d = maxRelDiff(wasm, cpu);
    assert.ok(d < 1e-4, `${JSON.stringify(c)}: wasm vs cpu differ by ${d}`);
  }
});

test('Conv2DBackpropFilter on wasm sums per-image patch products when the patch matrix is built in parts', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(14);
  for (const c of [CASES[1], CASES[5], CASES[9]]) {
    const x = u(c.x.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const whole = await backpropFilter('wasm', c, x, dy);
    // a patch budget of one value: one image per part
    const got = await runKernelDirectly(
      conv2dBackpropFilterKernel(1),
      { x: { data: x, shape: c.x }, dy: { data: dy, shape: dyShape(c) } },
      { filterShape: c.f, strides: c.s, pad: c.pad, dataFormat: 'NHWC' },
    );
    const d = maxRelDiff(got, whole);
    assert.ok(d < 1e-5, `${JSON.stringify(c)}: parts vs whole differ by ${d}`);
  }
});

test('Conv2DBackpropFilter on wasm without the SIMD kernels (the transposed patch matrix by strided copies) equals the SIMD path', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(15);
  for (const c of CASES) {
    const x = u(c.x.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const inputs = { x: { data: x, shape: c.x }, dy: { data: dy, shape: dyShape(c) } };
    const attrs = { filterShape: c.f, strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    const simd = await backpropFilter('wasm', c, x, dy);
    const plain = await runKernelDirectly(
      conv2dBackpropFilterKernel(1 << 25, () => undefined),
      inputs,
      attrs,
    );
    const d = maxRelDiff(plain, simd);
    assert.ok(d < 1e-5, `${JSON.stringify(c)}: without SIMD vs with differ by ${d}`);
  }
});

test('Conv2DBackpropFilter on wasm accepts NCHW data', async () => {
  const u = seededUniform(12);
  const c = CASES[1];
  const x = u(c.x.reduce((a, b) => a * b));
  const dy = u(dyShape(c).reduce((a, b) => a * b));
  const d = maxRelDiff(await backpropFilter('wasm', c, x, dy, true), await backpropFilter('cpu', c, x, dy));
  assert.ok(d < 1e-4, `NCHW: differs by ${d}`);
});

test('d/dfilter of conv2d on wasm matches finite differences of a float64 loop convolution', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(13);
  for (const c of [CASES[1], CASES[2], CASES[4], CASES[5], CASES[6], CASES[7]]) {
    const { top, left, oh, ow } = padsOf(c);
    const x = u(c.x.reduce((a, b) => a * b));
    const w = u(c.f.reduce((a, b) => a * b));
    const r = u(c.x[0] * oh * ow * c.f[3]);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() =>
      tf.grad((wt: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(tf.tensor4d(x, c.x), wt as tf.Tensor4D, c.s, c.pad), tf.tensor4d(r, [c.x[0], oh, ow, c.f[3]]))),
      )(tf.tensor4d(w, c.f)),
    );
    const got = (await g.data()) as Float32Array;
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
    const x64 = Float64Array.from(x);
    const loss = (w64: Float64Array): number => convLoop(x64, c.x, w64, c.f, c.s, top, left, oh, ow).reduce((a, v, i) => a + v * r[i], 0);
    const eps = 1e-3;
    const fd = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const wp = Float64Array.from(w);
      wp[i] += eps;
      const wm = Float64Array.from(w);
      wm[i] -= eps;
      fd[i] = (loss(wp) - loss(wm)) / (2 * eps);
    }
    const d = maxRelDiff(got, fd);
    assert.ok(d < 1e-4, `${JSON.stringify(c)}: gradient vs finite differences differ by ${d}`);
  }
});

test('Conv2DBackpropFilter on wasm rejects a dy that does not match the forward output', async () => {
  await initBackend('wasm', { quiet: true });
  const attrs = { filterShape: [3, 3, 2, 4], strides: [2, 2], pad: 'same', dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
  assert.throws(
    () => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.zeros([1, 8, 8, 2]), dy: tf.zeros([1, 8, 8, 4]) }, attrs)),
    /Conv2DBackpropFilter: dy shape 1,8,8,4 does not match the forward output \[1,4,4,4\]/,
  );
});
