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

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];
interface Case { x: Shape4; f: Shape4; s: [number, number]; pad: Pad }

const CASES: Case[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
  { x: [2, 7, 8, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 3], f: [4, 4, 3, 2], s: [2, 2], pad: 'same' }, // even filter: SAME pads bottom/right more
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'valid' },
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'valid' }, // last row/col never read
  { x: [1, 9, 8, 2], f: [7, 7, 2, 3], s: [2, 2], pad: [[0, 0], [3, 2], [1, 3], [0, 0]] }, // asymmetric explicit
  { x: [2, 6, 6, 3], f: [3, 3, 3, 4], s: [1, 2], pad: [[0, 0], [0, 1], [2, 0], [0, 0]] },
  { x: [2, 7, 7, 3], f: [1, 1, 3, 5], s: [2, 2], pad: 'valid' }, // ResNet downsample (matmul path)
  { x: [2, 5, 5, 4], f: [1, 1, 4, 3], s: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], f: [4, 4, 3, 6], s: [4, 4], pad: 'valid' }, // ViT patch embedding
];

function dyShape(c: Case): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad);
  return [c.x[0], info.outHeight, info.outWidth, c.f[3]];
}

async function backpropFilter(backend: 'wasm' | 'cpu', c: Case, x: Float32Array, dy: Float32Array, nchw = false): Promise<Float32Array> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    let xt: tf.Tensor4D = tf.tensor4d(x, c.x);
    let dyt: tf.Tensor4D = tf.tensor4d(dy, dyShape(c));
    if (nchw) {
      xt = tf.transpose(xt, [0, 3, 1, 2]);
      dyt = tf.transpose(dyt, [0, 3, 1, 2]);
    }
    const attrs = { filterShape: c.f, strides: c.s, pad: c.pad, dataFormat: nchw ? 'NCHW' : 'NHWC' };
    return tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
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

test('Conv2DBackpropFilter on wasm accepts NCHW data', async () => {
  const u = seededUniform(12);
  const c = CASES[1];
  const x = u(c.x.reduce((a, b) => a * b));
  const dy = u(dyShape(c).reduce((a, b) => a * b));
  const d = maxRelDiff(await backpropFilter('wasm', c, x, dy, true), await backpropFilter('cpu', c, x, dy));
  assert.ok(d < 1e-4, `NCHW: differs by ${d}`);
});

/** Float64 NHWC convolution with explicit pads [top, left] (the loop definition). */
function convLoop(x: Float64Array, xs: Shape4, w: Float64Array, fs: Shape4, s: [number, number], top: number, left: number, oh: number, ow: number): Float64Array {
  const [n, h, wd, ci] = xs;
  const [fh, fw, , co] = fs;
  const out = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < co; o++) {
    let acc = 0;
    for (let p = 0; p < fh; p++) for (let q = 0; q < fw; q++) {
      const r = i * s[0] - top + p;
      const col = j * s[1] - left + q;
      if (r < 0 || r >= h || col < 0 || col >= wd) continue;
      for (let c = 0; c < ci; c++) acc += x[((b * h + r) * wd + col) * ci + c] * w[((p * fw + q) * ci + c) * co + o];
    }
    out[((b * oh + i) * ow + j) * co + o] = acc;
  }
  return out;
}

/** SAME/VALID/explicit pads computed from their definitions, independently of tfjs. */
function padsOf(c: Case): { top: number; left: number; oh: number; ow: number } {
  if (Array.isArray(c.pad)) {
    const [, [t, bt], [l, r]] = c.pad;
    return { top: t, left: l, oh: Math.floor((c.x[1] + t + bt - c.f[0]) / c.s[0]) + 1, ow: Math.floor((c.x[2] + l + r - c.f[1]) / c.s[1]) + 1 };
  }
  if (c.pad === 'valid') {
    return { top: 0, left: 0, oh: Math.floor((c.x[1] - c.f[0]) / c.s[0]) + 1, ow: Math.floor((c.x[2] - c.f[1]) / c.s[1]) + 1 };
  }
  const oh = Math.ceil(c.x[1] / c.s[0]);
  const ow = Math.ceil(c.x[2] / c.s[1]);
  const th = Math.max((oh - 1) * c.s[0] + c.f[0] - c.x[1], 0);
  const tw = Math.max((ow - 1) * c.s[1] + c.f[1] - c.x[2], 0);
  return { top: Math.floor(th / 2), left: Math.floor(tw / 2), oh, ow };
}

test('d/dfilter of conv2d on wasm matches finite differences of a float64 loop convolution', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(13);
  for (const c of [CASES[1], CASES[2], CASES[4], CASES[5], CASES[6], CASES[7]]) {
    const { top, left, oh, ow } = padsOf(c);
    const x = u(c.x.reduce((a, b) => a * b));
    const w = u(c.f.reduce((a, b) => a * b));
    const r = u(c.x[0] * oh * ow * c.f[3]);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => tf.grad((wt: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(x, c.x), wt as tf.Tensor4D, c.s, c.pad), tf.tensor4d(r, [c.x[0], oh, ow, c.f[3]]))))(tf.tensor4d(w, c.f)));
    const got = (await g.data()) as Float32Array;
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
    const x64 = Float64Array.from(x);
    const loss = (w64: Float64Array): number => convLoop(x64, c.x, w64, c.f, c.s, top, left, oh, ow).reduce((a, v, i) => a + v * r[i], 0);
    const eps = 1e-3;
    const fd = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const wp = Float64Array.from(w); wp[i] += eps;
      const wm = Float64Array.from(w); wm[i] -= eps;
      fd[i] = (loss(wp) - loss(wm)) / (2 * eps);
    }
    const d = maxRelDiff(got, fd);
    assert.ok(d < 1e-4, `${JSON.stringify(c)}: gradient vs finite differences differ by ${d}`);
  }
});

test('Conv2DBackpropFilter on wasm rejects a dy that does not match the forward output', async () => {
  await initBackend('wasm', { quiet: true });
  const attrs = { filterShape: [3, 3, 2, 4], strides: [2, 2], pad: 'same', dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
  assert.throws(() => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter',
    { x: tf.zeros([1, 8, 8, 2]), dy: tf.zeros([1, 8, 8, 4]) }, attrs)), /Conv2DBackpropFilter: dy shape 1,8,8,4 does not match the forward output \[1,4,4,4\]/);
});
