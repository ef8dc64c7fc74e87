/**
 * Conv2D on wasm (lib/backend/wasm_kernels/conv2d_pointwise.ts): which convolutions take the kit's
 * matrix product (1x1, stride 1, no padding, NHWC, float32), and the forward output against the cpu
 * backend on both routes, odd channel counts included. The gradients of a 1x1 convolution (whose input
 * gradient is itself a 1x1 Conv2D) are checked in conv2d_backprop_input.test.ts and
 * conv2d_backprop_filter.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { isPointwiseProduct } from '../../lib/backend/wasm_kernels/conv2d_pointwise';
import { maxRelDiff, seededUniform } from './random';

const info = (shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo => ({ dataId: {}, shape, dtype });
const ATTRS: tf.Conv2DAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };

test('isPointwiseProduct: 1x1, stride 1, no padding, NHWC, float32 only', () => {
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
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, strides: [2, 2] }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, strides: [1, 2] }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, dilations: [2, 2] }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, dataFormat: 'NCHW' }), false);
  assert.equal(isPointwiseProduct(x, info([3, 3, 4, 3]), ATTRS), false);
  assert.equal(isPointwiseProduct(x, info([1, 3, 4, 3]), ATTRS), false);
  assert.equal(isPointwiseProduct(info([2, 5, 5, 4], 'int32'), f, ATTRS), false);
});

const CASES: Array<{ x: [number, number, number, number]; f: [number, number, number, number]; attrs: tf.Conv2DAttrs }> = [
  { x: [2, 5, 5, 4], f: [1, 1, 4, 3], attrs: ATTRS },
  { x: [3, 7, 6, 13], f: [1, 1, 13, 10], attrs: { ...ATTRS, pad: 'valid' } },
  { x: [1, 4, 4, 8], f: [1, 1, 8, 16], attrs: { ...ATTRS, pad: 0 } },
  { x: [2, 3, 3, 5], f: [1, 1, 5, 9], attrs: { ...ATTRS, strides: [2, 2], pad: 'valid' } }, // wasm's own kernel
  { x: [2, 6, 6, 3], f: [3, 3, 3, 4], attrs: ATTRS }, // wasm's own kernel
];

test('Conv2D on wasm equals cpu on both routes, without leaking', async () => {
  const u = seededUniform(51);
  for (const c of CASES) {
    const x = u(c.x.reduce((a, b) => a * b, 1));
    const f = u(c.f.reduce((a, b) => a * b, 1));
    const run = async (backend: 'wasm' | 'cpu'): Promise<{ data: Float32Array; shape: number[] }> => {
      await initBackend(backend, { quiet: true });
      const before = tf.memory().numTensors;
      const xt = tf.tensor4d(x, c.x);
      const ft = tf.tensor4d(f, c.f);
      const y = tf.engine().runKernel('Conv2D', { x: xt, filter: ft }, c.attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      const r = { data: (await y.data()) as Float32Array, shape: y.shape };
      tf.dispose([xt, ft, y]);
      assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
      return r;
    };
    const w = await run('wasm');
    const cpu = await run('cpu');
    assert.deepEqual(w.shape, cpu.shape, JSON.stringify(c));
    const d = maxRelDiff(w.data, cpu.data);
    assert.ok(d < 1e-5, `${JSON.stringify(c)}: wasm vs cpu differ by ${d}`);
  }
});
