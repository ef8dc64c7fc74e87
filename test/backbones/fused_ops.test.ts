/**
 * The single-op layers whose gradients keep less (lib/backbones: batchNormFrozenFused, conv2dTorch's
 * gradient, geluExact, layerNorm) against the same formulas written with tfjs's own elementwise ops:
 * values and every input's gradient, on wasm and cpu; no tensors left behind; and conv2dTorch's
 * `inputGradient: false` gives zeros for the input and the same filter gradient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchNormFrozen, batchNormFrozenFused } from '../../lib/backbones/batch_norm';
import { conv2dTorch } from '../../lib/backbones/conv';
import { layerNorm } from '../../lib/backbones/layer_norm';
import { geluExact } from '../../lib/backbones/mlp';
import { geluOnHeap } from '../../lib/backend/wasm_kernels/gelu';
import { layerNormGradOnHeap, layerNormOnHeap } from '../../lib/backend/wasm_kernels/layer_norm';
import { seededNormal } from '../../lib/random';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

/** value and gradients of sum(f(inputs) * r) for a fixed random r */
async function valueAndGrads(f: Fn, inputs: Array<{ data: Float32Array; shape: number[] }>, seed: number): Promise<Float32Array[]> {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const ts = inputs.map((i) => tf.tensor(i.data, i.shape));
    const y = f(...ts);
    const r = tf.tensor(seededNormal(y.size, seed), y.shape);
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(ts);
    return [y, value, ...grads];
  });
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  return data;
}

async function sameAs(label: string, fused: Fn, plain: Fn, inputs: Array<{ data: Float32Array; shape: number[] }>): Promise<void> {
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend, { quiet: true });
    const a = await valueAndGrads(fused, inputs, 5);
    const b = await valueAndGrads(plain, inputs, 5);
    a.forEach((v, i) =>
      assertClose(v, b[i], `${label} on ${backend}: ${i === 0 ? 'value' : i === 1 ? 'loss' : `gradient of input ${i - 2}`}`, 1e-4),
    );
  }
}

const input = (shape: number[], seed: number, shift = 0): { data: Float32Array; shape: number[] } => ({
  data: seededNormal(
    shape.reduce((a, b) => a * b, 1),
    seed,
  ).map((v) => v + shift),
  shape,
});

test('frozen BatchNorm + residual + ReLU as one op equals the composite, gradients included', async () => {
  const x = input([2, 3, 4, 5], 1);
  const stats = [input([5], 2), input([5], 3, 2), input([5], 4), input([5], 5)]; // mean, var (> 0), weight, bias
  const res = input([2, 3, 4, 5], 6);
  const plainBn = (xi: tf.Tensor, m: tf.Tensor, v: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor4D =>
    batchNormFrozen(xi as tf.Tensor4D, m as tf.Tensor1D, tf.abs(v) as tf.Tensor1D, w as tf.Tensor1D, b as tf.Tensor1D);
  const fusedBn = (
    xi: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    w: tf.Tensor,
    b: tf.Tensor,
    options: { relu: boolean; residual?: tf.Tensor4D },
  ): tf.Tensor4D =>
    batchNormFrozenFused(xi as tf.Tensor4D, m as tf.Tensor1D, tf.abs(v) as tf.Tensor1D, w as tf.Tensor1D, b as tf.Tensor1D, options);
  await sameAs(
    'bn',
    (...t) => fusedBn(t[0], t[1], t[2], t[3], t[4], { relu: false }),
    (...t) => plainBn(t[0], t[1], t[2], t[3], t[4]),
    [x, ...stats],
  );
  await sameAs(
    'bn + relu',
    (...t) => fusedBn(t[0], t[1], t[2], t[3], t[4], { relu: true }),
    (...t) => tf.relu(plainBn(t[0], t[1], t[2], t[3], t[4])),
    [x, ...stats],
  );
  await sameAs(
    'bn + residual + relu',
    (...t) => fusedBn(t[0], t[1], t[2], t[3], t[4], { relu: true, residual: t[5] as tf.Tensor4D }),
    (...t) => tf.relu(tf.add(plainBn(t[0], t[1], t[2], t[3], t[4]), t[5])),
    [x, ...stats, res],
  );
  await sameAs(
    'bn + residual',
    (...t) => fusedBn(t[0], t[1], t[2], t[3], t[4], { relu: false, residual: t[5] as tf.Tensor4D }),
    (...t) => tf.add(plainBn(t[0], t[1], t[2], t[3], t[4]), t[5]),
    [x, ...stats, res],
  );
  // 12 channels: three SIMD vectors per row and no tail
  const wide = [input([12], 11), input([12], 13, 2), input([12], 16), input([12], 17)]; // mean, var (> 0), weight, bias
  await sameAs(
    'bn + residual + relu, 12 channels',
    (...t) => fusedBn(t[0], t[1], t[2], t[3], t[4], { relu: true, residual: t[5] as tf.Tensor4D }),
    (...t) => tf.relu(tf.add(plainBn(t[0], t[1], t[2], t[3], t[4]), t[5])),
    [input([2, 3, 2, 12], 14), ...wide, input([2, 3, 2, 12], 15)],
  );
});

test('exact GELU as one op equals x/2 (1 + erf(x / sqrt 2)), gradient included', async () => {
  await sameAs(
    'gelu',
    (x) => geluExact(x),
    (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)),
    [input([3, 7, 6], 7)],
  );
});

test('on wasm the one-pass GELU and its gradient equal the composite formulas bit for bit (vector body and tail)', async () => {
  await initBackend('wasm', { quiet: true });
  const before = tf.memory().numTensors;
  const x = tf.tidy(() => tf.mul(tf.tensor(input([1030], 21).data), 3)); // [1030]: 257 vectors and a tail of 2
  const dy = tf.tensor(input([1030], 22).data);
  const fused = [geluOnHeap(x), geluOnHeap(x, dy)];
  assert.ok(fused[0] && fused[1], 'no heap GELU on wasm');
  const plain = tf.tidy(() => {
    const cdf = tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1);
    const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [tf.mul(tf.mul(x, 0.5), cdf), tf.mul(dy, tf.add(tf.mul(cdf, 0.5), tf.mul(x, pdf)))];
  });
  for (const k of [0, 1]) {
    const [a, b] = [(await fused[k]!.data()) as Float32Array, (await plain[k].data()) as Float32Array];
    assert.ok(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
      `${k === 0 ? 'GELU' : 'its gradient'} differs from the composite`,
    );
  }
  tf.dispose([x, dy, ...plain, fused[0]!, fused[1]!]);
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
});

test('LayerNorm as one op equals the composite (affine, weight only, none), gradients included', async () => {
  const plain = (x: tf.Tensor, w?: tf.Tensor, b?: tf.Tensor): tf.Tensor => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6)));
    if (w) y = tf.mul(y, w);
    if (b) y = tf.add(y, b);
    return y;
  };
  const x = input([2, 5, 8], 8);
  const w = input([8], 9, 1);
  const b = input([8], 10);
  await sameAs(
    'layerNorm affine',
    (xi, wi, bi) => layerNorm(xi, wi as tf.Tensor1D, bi as tf.Tensor1D, 1e-6),
    (xi, wi, bi) => plain(xi, wi, bi),
    [x, w, b],
  );
  await sameAs(
    'layerNorm weight only',
    (xi, wi) => layerNorm(xi, wi as tf.Tensor1D, null, 1e-6),
    (xi, wi) => plain(xi, wi),
    [x, w],
  );
  await sameAs(
    'layerNorm plain',
    (xi) => layerNorm(xi, null, null, 1e-6),
    (xi) => plain(xi),
    [input([4, 8], 11)],
  ); // rows whose length is not a multiple of 4 (the SIMD pass's tail), one shorter than 4, far from zero
  await sameAs(
    'layerNorm affine, d 7',
    (xi, wi, bi) => layerNorm(xi, wi as tf.Tensor1D, bi as tf.Tensor1D, 1e-6),
    (xi, wi, bi) => plain(xi, wi, bi),
    [input([3, 7], 14, 5), input([7], 15, 1), input([7], 16)],
  );
  await sameAs(
    'layerNorm plain, d 3',
    (xi) => layerNorm(xi, null, null, 1e-6),
    (xi) => plain(xi),
    [input([2, 2, 3], 17, -3)],
  );
});

test('on wasm LayerNorm is one pass on the heap each way: value, mean, 1/std and the gradients equal the formulas', async () => {
  await initBackend('wasm', { quiet: true });
  for (const [shape, affine] of [
    [[4, 9], true],
    [[2, 3, 16], false],
  ] as const) {
    const before = tf.memory().numTensors;
    const d = shape[shape.length - 1];
    const x = tf.tensor(input([...shape], 18, 2).data, [...shape]);
    const w = affine ? tf.tensor1d(input([d], 19, 1).data) : undefined;
    const b = affine ? tf.tensor1d(input([d], 20).data) : undefined;
    const fused = layerNormOnHeap(x, w, b, 1e-5);
    assert.ok(fused, 'the heap pass did not run on wasm');
    const [mean, rstd, y] = tf.tidy(() => {
      const m = tf.moments(x, x.rank - 1, true);
      const r = tf.rsqrt(tf.add(m.variance, 1e-5));
      const normed = tf.mul(tf.sub(x, m.mean), r);
      return [m.mean, r, w && b ? tf.add(tf.mul(normed, w), b) : normed];
    });
    assertClose((await fused.value.data()) as Float32Array, (await y.data()) as Float32Array, `value ${shape}`, 1e-5);
    assertClose((await fused.mean.data()) as Float32Array, (await mean.data()) as Float32Array, `mean ${shape}`, 1e-6);
    assertClose((await fused.rstd.data()) as Float32Array, (await rstd.data()) as Float32Array, `rstd ${shape}`, 1e-5);
    assert.deepEqual(fused.mean.shape, [...shape.slice(0, -1), 1]);
    // the gradient pass against the formula: dx = (g - mean(g) - xhat mean(g xhat)) rstd with g = dy w
    const dy = tf.tensor(input([...shape], 21).data, [...shape]);
    const grads = layerNormGradOnHeap(x, w, dy, mean, rstd);
    assert.ok(grads, 'the heap gradient did not run on wasm');
    const lead = shape.slice(0, -1).map((_, i) => i);
    const want = tf.tidy(() => {
      const xhat = tf.mul(tf.sub(x, mean), rstd);
      const g = w ? tf.mul(dy, w) : dy;
      const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))), rstd);
      return [dx, tf.sum(tf.mul(dy, xhat), lead), tf.sum(dy, lead)];
    });
    assertClose((await grads.dx.data()) as Float32Array, (await want[0].data()) as Float32Array, `dx ${shape}`, 1e-5);
    if (affine) {
      assert.ok(grads.dweight && grads.dbias, 'dweight and dbias missing with a weight');
      assertClose((await grads.dweight.data()) as Float32Array, (await want[1].data()) as Float32Array, `dweight ${shape}`, 1e-5);
      assertClose((await grads.dbias.data()) as Float32Array, (await want[2].data()) as Float32Array, `dbias ${shape}`, 1e-5);
    } else assert.equal(grads.dweight, undefined, 'dweight without a weight');
    tf.dispose([dy, grads.dx, grads.dweight, grads.dbias, ...want].filter((t): t is tf.Tensor => t !== undefined));
    tf.dispose([x, w, b, fused.value, fused.mean, fused.rstd, mean, rstd, y].filter((t): t is tf.Tensor => t !== undefined));
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  }
});

test('conv2dTorch: gradients equal tf.conv2d with the same padding; inputGradient false gives zeros for x', async () => {
  const x = input([2, 7, 7, 3], 12);
  const k = input([3, 3, 3, 4], 13);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ];
  await sameAs(
    'conv stride 2 pad 1',
    (xi, ki) => conv2dTorch(xi as tf.Tensor4D, ki as tf.Tensor4D, null, 2, 1),
    (xi, ki) => tf.conv2d(xi as tf.Tensor4D, ki as tf.Tensor4D, 2, pad),
    [x, k],
  );
  await initBackend('wasm', { quiet: true });
  const full = await valueAndGrads((xi, ki) => conv2dTorch(xi as tf.Tensor4D, ki as tf.Tensor4D, null, 1, 1), [x, k], 3);
  const noDx = await valueAndGrads((xi, ki) => conv2dTorch(xi as tf.Tensor4D, ki as tf.Tensor4D, null, 1, 1, false), [x, k], 3);
  assert.ok(noDx[2].every((v) => v === 0) && full[2].some((v) => v !== 0), 'inputGradient false: dL/dx must be zeros');
  assertClose(noDx[3], full[3], 'filter gradient without the input gradient');
});
