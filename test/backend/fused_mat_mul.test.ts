/**
 * _FusedMatMul on wasm (lib/backend/wasm_kernels/fused_mat_mul.ts): which fused products the kit runs
 * (no activation, no PReLU weights), and tf.fused.matMul against cpu with and without a bias, with
 * transposes, and with a relu (wasm's own kernel); its gradients; no tensor left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { isPlainFusedProduct } from '../../lib/backend/wasm_kernels/fused_mat_mul';
import { maxRelDiff, seededUniform } from './random';

const info = (shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo => ({ dataId: {}, shape, dtype });

test('isPlainFusedProduct: float32 without activation or PReLU weights', () => {
  const inputs = { a: info([3, 4]), b: info([4, 5]), bias: info([5]) };
  const attrs = { transposeA: false, transposeB: false, activation: 'linear' } as tf._FusedMatMulAttrs;
  assert.equal(isPlainFusedProduct(inputs, attrs), true);
  assert.equal(isPlainFusedProduct(inputs, { ...attrs, activation: undefined as unknown as 'linear' }), true);
  assert.equal(isPlainFusedProduct(inputs, { ...attrs, activation: 'relu' }), false);
  assert.equal(isPlainFusedProduct({ ...inputs, preluActivationWeights: info([5]) }, attrs), false);
  assert.equal(isPlainFusedProduct({ ...inputs, a: info([3, 4], 'int32') }, attrs), false);
});

const CASES: Array<{
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
  bias: boolean;
  activation: 'linear' | 'relu';
  biasShape?: number[];
  valuesOnly?: boolean;
}> = [
  { a: [7, 5], b: [5, 11], ta: false, tb: false, bias: true, activation: 'linear' },
  { a: [5, 7], b: [11, 5], ta: true, tb: true, bias: true, activation: 'linear' },
  { a: [9, 6], b: [6, 3], ta: false, tb: false, bias: false, activation: 'linear' },
  { a: [2, 4, 6], b: [2, 6, 3], ta: false, tb: false, bias: true, activation: 'linear' },
  // one product of the batch's rows, added to the bias; values only (tfjs-core 4.22's gradient of a
  // fused product does not reduce a broadcast b: it throws on every backend)
  { a: [2, 4, 6], b: [6, 3], ta: false, tb: false, bias: true, activation: 'linear', valuesOnly: true },
  { a: [3, 6], b: [6, 40], ta: false, tb: false, bias: true, activation: 'linear', biasShape: [1, 40] }, // a row bias of rank 2
  { a: [3, 6], b: [6, 5], ta: false, tb: false, bias: true, activation: 'linear', biasShape: [3, 5] }, // not a row: product, then Add
  { a: [7, 5], b: [5, 11], ta: false, tb: false, bias: true, activation: 'relu' }, // wasm's own kernel
];

test('tf.fused.matMul on wasm equals cpu (bias, transposes, batch, relu), gradients included, without leaking', async () => {
  const u = seededUniform(61);
  for (const c of CASES) {
    const a = u(c.a.reduce((x, y) => x * y, 1));
    const b = u(c.b.reduce((x, y) => x * y, 1));
    const n = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
    const biasShape = c.biasShape ?? [n];
    const bias = u(biasShape.reduce((x, y) => x * y, 1));
    const run = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
      await initBackend(backend, { quiet: true });
      const before = tf.memory().numTensors;
      const at = tf.tensor(a, c.a);
      const bt = tf.tensor(b, c.b);
      const biasT = c.bias ? tf.tensor(bias, biasShape) : undefined;
      const f = (x: tf.Tensor, y: tf.Tensor) =>
        tf.fused.matMul({ a: x, b: y, transposeA: c.ta, transposeB: c.tb, bias: biasT, activation: c.activation });
      const y = f(at, bt);
      const grads = c.valuesOnly ? [] : tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.square(f(x, z))))([at, bt]);
      const out = await Promise.all([y, ...grads].map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([at, bt, y, ...grads]);
      biasT?.dispose();
      assert.equal(tf.memory().numTensors, before, `${backend} ${JSON.stringify(c)}: leaked tensors`);
      return out;
    };
    const w = await run('wasm');
    const cpu = await run('cpu');
    w.forEach((v, i) => {
      const d = maxRelDiff(v, cpu[i]);
      assert.ok(d < 1e-5, `${JSON.stringify(c)} output ${i}: wasm vs cpu differ by ${d}`);
    });
  }
});
