/**
 * wasm Conv2DBackpropInput (lib/backend/wasm_kernels/conv2d_backprop_input.ts, replacing
 * tfjs-backend-wasm's loop kernel): against the cpu backend over strides, paddings and filter
 * sizes, NHWC and NCHW, and d/dx of conv2d against finite differences of a float64 loop
 * convolution. Dilations: tfjs's conv2d gradient requires dilation 1 (no dilation attr).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seededUniform, maxRelDiff } from './random';
import { CASES, convLoop, dyShape, padsOf, runKernelDirectly, takesPatchGradients, type Case } from './conv_cases';
import { conv2dBackpropInputKernel, FEW_ROWS_PER_CHANNEL } from '../../lib/backend/wasm_kernels/conv2d_backprop_input';

const patchGradientCases = CASES.filter((c) => takesPatchGradients(c, FEW_ROWS_PER_CHANNEL));

async function backpropInput(backend: 'wasm' | 'cpu', c: Case, w: Float32Array, dy: Float32Array, nchw = false): Promise<Float32Array> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    let dyt: tf.Tensor4D = tf.tensor4d(dy, dyShape(c));
    if (nchw) dyt = tf.transpose(dyt, [0, 3, 1, 2]);
    const inputShape = nchw ? [c.x[0], c.x[3], c.x[1], c.x[2]] : c.x;
    const attrs = { inputShape, strides: c.s, pad: c.pad, dataFormat: nchw ? 'NCHW' : 'NHWC' };
    const dx = tf
      .engine()
      .runKernel('Conv2DBackpropInput', { dy: dyt, filter: tf.tensor4d(w, c.f) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return nchw ? tf.transpose(dx, [0, 2, 3, 1]) : dx;
  });
  assert.deepEqual(out.shape, c.x);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: kernel leaked tensors`);
  return data;
}

test('Conv2DBackpropInput on wasm equals cpu (strides 1/2/4, same/valid/explicit, filters 1..7, NHWC/NCHW)', async () => {
  const u = seededUniform(41);
  for (const c of CASES) {
    const w = u(c.f.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const cpu = await backpropInput('cpu', c, w, dy);
    const d = maxRelDiff(await backpropInput('wasm', c, w, dy), cpu);
    assert.ok(d < 1e-4, `${JSON.stringify(c)}: wasm vs cpu differ by ${d}`);
    const dn = maxRelDiff(await backpropInput('wasm', c, w, dy, true), cpu);
    assert.ok(dn < 1e-4, `${JSON.stringify(c)} NCHW: wasm vs cpu differ by ${dn}`);
  }
});

test('Conv2DBackpropInput on wasm runs a convolution of dy only where the patch-gradient path is not taken', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(45);
  const strideOne = CASES.filter((c) => c.s[0] === 1 && c.s[1] === 1 && (c.f[0] > 1 || c.f[1] > 1));
  const few = strideOne.filter((c) => takesPatchGradients(c, FEW_ROWS_PER_CHANNEL));
  assert.ok(few.length >= 2 && few.length < strideOne.length, 'stride-1 cases on both sides of FEW_ROWS_PER_CHANNEL');
  for (const c of strideOne) {
    const w = u(c.f.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const profile = await tf.profile(() => backpropInput('wasm', c, w, dy));
    const convolutions = profile.kernels.filter((k) => k.name === 'Conv2D').length;
    assert.equal(convolutions, few.includes(c) ? 0 : 1, `${JSON.stringify(c)}: Conv2D kernels run`);
  }
});

test('Conv2DBackpropInput on wasm (patch gradients added back) gives the same sums when built in parts', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(43);
  for (const c of patchGradientCases) {
    const w = u(c.f.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const whole = await backpropInput('wasm', c, w, dy);
    // a budget of one value: one output row per part (bands of one image)
    const got = await runKernelDirectly(
      conv2dBackpropInputKernel(1),
      { dy: { data: dy, shape: dyShape(c) }, filter: { data: w, shape: c.f } },
      { inputShape: c.x, strides: c.s, pad: c.pad, dataFormat: 'NHWC' },
    );
    const d = maxRelDiff(got, whole);
    assert.ok(d < 1e-5, `${JSON.stringify(c)}: parts vs whole differ by ${d}`);
  }
});

test('Conv2DBackpropInput on wasm without the SIMD kernels (col2im by strided copies, or the convolution of dy at stride 1) equals the SIMD path (row2im_add)', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(44);
  assert.ok(patchGradientCases.length >= 7, 'patch-gradient cases to compare');
  for (const c of patchGradientCases) {
    const w = u(c.f.reduce((a, b) => a * b));
    const dy = u(dyShape(c).reduce((a, b) => a * b));
    const inputs = { dy: { data: dy, shape: dyShape(c) }, filter: { data: w, shape: c.f } };
    const attrs = { inputShape: c.x, strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    const simd = await backpropInput('wasm', c, w, dy);
    const plain = await runKernelDirectly(
      conv2dBackpropInputKernel(1 << 25, () => undefined),
      inputs,
      attrs,
    );
    const d = maxRelDiff(plain, simd);
    assert.ok(d < 1e-5, `${JSON.stringify(c)}: without SIMD vs with differ by ${d}`);
  }
});

test('d/dx of conv2d on wasm matches finite differences of a float64 loop convolution', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(42);
  for (const c of [CASES[1], CASES[2], CASES[4], CASES[5], CASES[6]]) {
    const { top, left, oh, ow } = padsOf(c);
    const x = u(c.x.reduce((a, b) => a * b));
    const w = u(c.f.reduce((a, b) => a * b));
    const r = u(c.x[0] * oh * ow * c.f[3]);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() =>
      tf.grad((xt: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(xt as tf.Tensor4D, tf.tensor4d(w, c.f), c.s, c.pad), tf.tensor4d(r, [c.x[0], oh, ow, c.f[3]]))),
      )(tf.tensor4d(x, c.x)),
    );
    const got = (await g.data()) as Float32Array;
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
    const w64 = Float64Array.from(w);
    const loss = (x64: Float64Array): number => convLoop(x64, c.x, w64, c.f, c.s, top, left, oh, ow).reduce((a, v, i) => a + v * r[i], 0);
    const eps = 1e-3;
    const fd = Array.from(x, (_, i) => {
      const xp = Float64Array.from(x);
      xp[i] += eps;
      const xm = Float64Array.from(x);
      xm[i] -= eps;
      return (loss(xp) - loss(xm)) / (2 * eps);
    });
    const d = maxRelDiff(got, fd);
    assert.ok(d < 1e-4, `${JSON.stringify(c)}: gradient vs finite differences differ by ${d}`);
  }
});
