/**
 * The residual gradient handed from a ResNet block's last BatchNorm to its first convolution
 * (lib/backbones/gradient_handoff.ts) instead of summed by the tape: a block-shaped composite with
 * the handoff equals the same composite without it, value and every input's gradient, on wasm and
 * cpu, with no tensor left behind, also when the tape skips the block's input (a gradient asked for
 * a kernel only); the wasm kernel's add-onto path (conv2dBackpropInputOnto) equals the kernel's dx
 * plus the tensor, for the pointwise and the strided products; a handoff takes one gradient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchNormFrozenFused } from '../../lib/backbones/batch_norm';
import { conv2dTorch } from '../../lib/backbones/conv';
import { GradientHandoff } from '../../lib/backbones/gradient_handoff';
import { conv2dBackpropInputOnto } from '../../lib/backend/wasm_kernels/conv2d_backprop_input';
import { seededNormal } from '../../lib/random';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

const C = 6; // channels of the block's input and output
const MID = 3;

/** relu(bn(conv(conv(x, k1), k3)) + x) with x's two gradients summed by the tape, or met through a handoff */
function block(x: tf.Tensor, k1: tf.Tensor, k3: tf.Tensor, stats: tf.Tensor[], handoff: boolean): tf.Tensor {
  const h = handoff ? new GradientHandoff() : undefined;
  const a = conv2dTorch(x as tf.Tensor4D, k1 as tf.Tensor4D, null, 1, 0, true, h); // [B, H, W, MID]
  const b = conv2dTorch(tf.relu(a), k3 as tf.Tensor4D, null, 1, 0); // [B, H, W, C]
  const [m, v, w, bias] = stats as tf.Tensor1D[];
  return batchNormFrozenFused(b, m, tf.abs(v) as tf.Tensor1D, w, bias, { relu: true, residual: x as tf.Tensor4D, residualGradientTo: h });
}

const values = (shape: number[], seed: number): tf.Tensor =>
  tf.tensor(
    seededNormal(
      shape.reduce((p, q) => p * q, 1),
      seed,
    ),
    shape,
  );

function inputs(): tf.Tensor[] {
  return [values([2, 5, 4, C], 1), values([1, 1, C, MID], 2), values([1, 1, MID, C], 3), ...[4, 5, 6, 7].map((s) => values([C], s))];
}

/** value, then the gradients of sum(block * r) w.r.t. every input */
async function blockGradients(handoff: boolean): Promise<Float32Array[]> {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const ts = inputs();
    const r = values([2, 5, 4, C], 8);
    const f = (...t: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(block(t[0], t[1], t[2], t.slice(3), handoff), r));
    const { value, grads } = tf.valueAndGrads(f)(ts);
    return [value, ...grads];
  });
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `tensors left behind (handoff ${handoff})`);
  return data;
}

test('a block whose residual gradient is handed to its first convolution equals the tape-summed block, every gradient, on wasm and cpu', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend, { quiet: true });
    const handed = await blockGradients(true);
    const summed = await blockGradients(false);
    assert.ok(
      summed[1].some((v) => v !== 0),
      'dL/dx is all zeros: the test would not see a lost gradient',
    );
    handed.forEach((v, i) => assertClose(v, summed[i], `${backend}: ${i === 0 ? 'value' : `gradient of input ${i - 1}`}`, 1e-5));
  }
});

test('with the block input outside the gradient (a kernel only asked), the handed gradient is freed and the kernel gradient unchanged', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend, { quiet: true });
    const ts = inputs();
    const before = tf.memory().numTensors;
    const grad = (handoff: boolean): tf.Tensor =>
      tf.tidy(() => tf.grad((k1: tf.Tensor) => tf.sum(tf.square(block(ts[0], k1, ts[2], ts.slice(3), handoff))))(ts[1]));
    const [handed, summed] = [grad(true), grad(false)];
    assert.equal(tf.memory().numTensors, before + 2, `${backend}: tensors left behind besides the two gradients`);
    assertClose((await handed.data()) as Float32Array, (await summed.data()) as Float32Array, `${backend}: dL/dk1`, 1e-5);
    tf.dispose([handed, summed, ...ts]);
  }
});

test('conv2dBackpropInputOnto on wasm writes dx + the given tensor onto it (pointwise and strided products); undefined for the stride-1 3x3 path and off wasm', async () => {
  await initBackend('wasm', { quiet: true });
  const cases: Array<{ x: number[]; k: number[]; stride: number; pad: 'valid' | 'same'; onto: boolean }> = [
    { x: [2, 6, 5, 7], k: [1, 1, 7, 9], stride: 1, pad: 'valid', onto: true }, // one product, written onto
    { x: [2, 7, 6, 5], k: [1, 1, 5, 4], stride: 2, pad: 'valid', onto: true }, // patch gradients added back onto it
    { x: [2, 7, 7, 3], k: [3, 3, 3, 4], stride: 2, pad: 'same', onto: true },
    { x: [1, 6, 6, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same', onto: false }, // a convolution of dy: no such path
  ];
  for (const [i, c] of cases.entries()) {
    const x = values(c.x, 10 + i) as tf.Tensor4D;
    const k = values(c.k, 20 + i) as tf.Tensor4D;
    const y = tf.conv2d(x, k, c.stride, c.pad);
    const dy = values(y.shape, 30 + i) as tf.Tensor4D;
    const given = values(c.x, 40 + i) as tf.Tensor4D;
    const attrs = {
      strides: [c.stride, c.stride],
      pad: c.pad,
      dataFormat: 'NHWC',
      inputShape: c.x,
    } as unknown as tf.Conv2DBackpropInputAttrs;
    const want = tf.tidy(() =>
      tf.add(tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: k }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor, given),
    );
    const before = tf.memory().numTensors;
    const got = conv2dBackpropInputOnto(dy, k, attrs, given);
    assert.equal(tf.memory().numTensors, before, `case ${i}: no new tensor (the sum is written onto the given one)`);
    if (!c.onto) {
      assert.equal(got, undefined, `case ${i}: the stride-1 3x3 input gradient has no add-onto path`);
    } else {
      assert.equal(got, given, `case ${i}: the result must be the given tensor`);
      assertClose((await given.data()) as Float32Array, (await want.data()) as Float32Array, `case ${i}: dx + given`, 1e-5);
    }
    tf.dispose([x, k, y, dy, given, want]);
  }
  await initBackend('cpu', { quiet: true });
  const [dy, k, given] = [
    values([1, 3, 3, 2], 1) as tf.Tensor4D,
    values([1, 1, 2, 2], 2) as tf.Tensor4D,
    values([1, 3, 3, 2], 3) as tf.Tensor4D,
  ];
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', inputShape: [1, 3, 3, 2] } as unknown as tf.Conv2DBackpropInputAttrs;
  assert.equal(conv2dBackpropInputOnto(dy, k, attrs, given), undefined, 'off wasm: the caller adds');
  tf.dispose([dy, k, given]);
});

test('a handoff takes one gradient: a second give is refused, and take hands it over once', () => {
  const h = new GradientHandoff();
  assert.equal(h.take(), undefined);
  const g = tf.zeros([2]);
  h.give(g);
  assert.throws(() => h.give(g), /GradientHandoff: a second gradient given/);
  assert.equal(h.take(), g);
  assert.equal(h.take(), undefined);
  g.dispose();
});
