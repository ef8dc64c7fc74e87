/**
 * Conv2D on wasm (lib/backend/wasm_kernels/conv2d.ts): which convolutions take the kit's matrix
 * product, and the forward output of every shared convolution case (strides, SAME / VALID / explicit
 * and asymmetric pads, pads wider than the filter, even filters, 1x1 with and without padding, the ViT
 * patch embedding) against a float64 loop, also with the patch matrix built one image at a time; no
 * tensor or heap buffer left behind. (wasm's own Conv2D, which the others go to, refuses NCHW.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { builtinWasmKernel } from '../../lib/backend/wasm_kernels';
import { conv2dKernel, isPointwiseProduct, runsOnKitProduct } from '../../lib/backend/wasm_kernels/conv2d';
import { CASES, convLoop, padsOf, type Case } from './conv_cases';
import { maxRelDiff, seededUniform } from './random';

const info = (shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo => ({ dataId: {}, shape, dtype });
const ATTRS: tf.Conv2DAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };

test('routing: float32 NHWC undilated convolutions on the kit product; 1x1 stride 1 unpadded ones without a patch matrix', () => {
  const x = info([2, 5, 5, 4]);
  const f = info([1, 1, 4, 3]);
  const zeros: tf.Conv2DAttrs['pad'] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  const one: tf.Conv2DAttrs['pad'] = [
    [0, 0],
    [1, 1],
    [0, 0],
    [0, 0],
  ];
  assert.equal(isPointwiseProduct(x, f, ATTRS), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: 'valid', strides: 1, dilations: 1 }), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: zeros }), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: 0 }), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: one }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: 1 }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, strides: [1, 2] }), false);
  assert.equal(isPointwiseProduct(x, info([3, 3, 4, 3]), ATTRS), false);
  assert.equal(isPointwiseProduct(x, info([1, 3, 4, 3]), ATTRS), false);
  assert.equal(runsOnKitProduct(x, info([3, 3, 4, 3]), { ...ATTRS, strides: [2, 2], pad: one }), true);
  assert.equal(runsOnKitProduct(x, f, { ...ATTRS, dilations: [2, 2] }), false);
  assert.equal(runsOnKitProduct(x, f, { ...ATTRS, dilations: 2 }), false);
  assert.equal(runsOnKitProduct(x, f, { ...ATTRS, dataFormat: 'NCHW' }), false);
  assert.equal(runsOnKitProduct(info([2, 5, 5, 4], 'int32'), f, ATTRS), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, dataFormat: 'NCHW' }), false);
});

/** the case's Conv2D on wasm through `kernel` (default: the registered one), as float32 */
async function wasmConv(c: Case, x: Float32Array, w: Float32Array, maxPatch?: number): Promise<Float32Array> {
  await initBackend('wasm', { quiet: true });
  const tensors = tf.memory().numTensors;
  const buffers = tf.backend().numDataIds();
  const xt = tf.tensor4d(x, c.x);
  const wt = tf.tensor4d(w, c.f);
  const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
  let y: tf.Tensor;
  if (maxPatch === undefined) {
    y = tf.engine().runKernel('Conv2D', { x: xt, filter: wt }, attrs) as tf.Tensor;
  } else {
    const kernel = conv2dKernel(builtinWasmKernel('Conv2D').kernelFunc, maxPatch);
    y = tf.engine().makeTensorFromTensorInfo(kernel({ inputs: { x: xt, filter: wt }, attrs, backend: tf.backend() }) as tf.TensorInfo);
  }
  const out = (await y.data()) as Float32Array;
  tf.dispose([xt, wt, y]);
  assert.equal(tf.memory().numTensors, tensors, `${JSON.stringify(c)}: leaked tensors`);
  assert.equal(tf.backend().numDataIds(), buffers, `${JSON.stringify(c)}: a heap buffer (patch matrix) was not freed`);
  return out;
}

test('Conv2D on wasm equals the float64 loop on every convolution case, also one image of patches at a time', async () => {
  const u = seededUniform(52);
  const cases: Case[] = [...CASES, { x: [3, 6, 7, 5], f: [3, 3, 5, 10], s: [1, 1], pad: 'same' }];
  for (const c of cases) {
    const x = u(c.x.reduce((a, b) => a * b, 1));
    const w = u(c.f.reduce((a, b) => a * b, 1));
    const { top, left, oh, ow } = padsOf(c);
    const expected = convLoop(Float64Array.from(x), c.x, Float64Array.from(w), c.f, c.s, top, left, oh, ow);
    const perImage = oh * ow * c.f[0] * c.f[1] * c.f[2];
    for (const maxPatch of [undefined, perImage]) {
      const got = await wasmConv(c, x, w, maxPatch);
      const d = maxRelDiff(got, expected);
      assert.ok(d < 1e-5, `${JSON.stringify(c)} (patch ${maxPatch ?? 'default'}): differs from the loop by ${d}`);
    }
  }
});
