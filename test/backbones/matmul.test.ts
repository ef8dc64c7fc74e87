/**
 * matMulFast and matMulT give the values and gradients of tf.matMul, for rank 2 and rank 4 with
 * transposeB, and reject mismatched batch dimensions; linear with a bias (one fused product whose
 * gradient is written out) gives the values and the three gradients of x W + b; on wasm with the
 * kit's kernels the transposed products are read in place (no Transpose kernel runs).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { matMulFast, matMulT, transposesInPlace } from '../../lib/backbones/matmul';
import { linear } from '../../lib/backbones/linear';
import { profileKernels } from '../../lib/backend/kernel_profile';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

describe('matMulFast', () => {
  before(async () => {
    await initBackend('wasm', { quiet: true });
  });

  for (const [label, aShape, bShape, tb] of [
    ['rank 2', [5, 3], [3, 4], false],
    ['rank 4, transposeB', [2, 3, 5, 4], [2, 3, 6, 4], true],
  ] as const) {
    it(`${label}: values and both gradients equal tf.matMul`, () => {
      const n0 = tf.memory().numTensors;
      tf.tidy(() => {
        const a = tf.randomNormal([...aShape], 0, 1, 'float32', 1);
        const b = tf.randomNormal([...bShape], 0, 1, 'float32', 2);
        const probe = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 3)));
        const mine = tf.grads((x: tf.Tensor, y: tf.Tensor) => probe(matMulFast(x, y, tb)))([a, b]);
        const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => probe(tf.matMul(x, y, false, tb)))([a, b]);
        assertClose(matMulFast(a, b, tb).dataSync(), tf.matMul(a, b, false, tb).dataSync(), `${label} value`);
        assertClose(mine[0].dataSync(), ref[0].dataSync(), `${label} dA`);
        assertClose(mine[1].dataSync(), ref[1].dataSync(), `${label} dB`);
      });
      assert.equal(tf.memory().numTensors, n0);
    });
  }

  it('rejects different batch dimensions', () => {
    tf.tidy(() =>
      assert.throws(() => matMulFast(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5])), /batch dims of \[2, 3, 4\] and \[3, 4, 5\] differ/),
    );
  });

  it('matMulT: each pair of transpose flags equals tf.matMul with explicit transposes', () => {
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = tf.randomNormal(ta ? [4, 5] : [5, 4], 0, 1, 'float32', 4);
        const b = tf.randomNormal(tb ? [6, 4] : [4, 6], 0, 1, 'float32', 5);
        const want = tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b);
        assertClose(matMulT(a, b, ta, tb).dataSync(), want.dataSync(), `transposeA ${ta}, transposeB ${tb}`);
      }
    });
    assert.equal(tf.memory().numTensors, n0);
  });

  it('on wasm the transposed products of the gradients run without a Transpose kernel', async () => {
    assert.equal(transposesInPlace(), true, "the kit's wasm kernels are not loaded");
    const a = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 3, 6, 4], 0, 1, 'float32', 2);
    const profile = await profileKernels(async () => {
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(matMulFast(x, y, true)))([a, b]);
      await Promise.all(g.map((t) => t.data()));
      tf.dispose(g);
    });
    const names = profile.kernels.map((k) => k.kernel);
    assert.ok(names.includes('BatchMatMul'), `no BatchMatMul ran: ${names.join(', ')}`);
    assert.ok(!names.includes('Transpose'), `a Transpose ran: ${names.join(', ')}`);
    tf.dispose([a, b]);
  });

  for (const [label, xShape] of [
    ['rank 2', [6, 5]],
    ['rank 3', [2, 7, 5]],
  ] as const) {
    it(`linear with a bias, ${label}: value and the gradients of x, W and b equal x W + b`, () => {
      const n0 = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.randomNormal([...xShape], 0, 1, 'float32', 6);
        const w = tf.randomNormal([5, 9], 0, 1, 'float32', 7) as tf.Tensor2D;
        const bias = tf.randomNormal([9], 0, 1, 'float32', 8) as tf.Tensor1D;
        const probeOf = (y: tf.Tensor): tf.Tensor => tf.randomNormal(y.shape, 0, 1, 'float32', 9);
        const mine = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor): tf.Tensor =>
          linear(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D);
        const composite = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor): tf.Tensor =>
          tf.add(tf.reshape(tf.matMul(tf.reshape(xi, [-1, 5]), wi), [...xShape.slice(0, -1), 9]), bi);
        const y = mine(x, w, bias);
        assert.deepEqual(y.shape, [...xShape.slice(0, -1), 9]);
        assertClose(y.dataSync(), composite(x, w, bias).dataSync(), `${label} value`);
        const probe = probeOf(y);
        const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(mine(xi, wi, bi), probe)))([x, w, bias]);
        const ref = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(composite(xi, wi, bi), probe)))([x, w, bias]);
        ['dx', 'dW', 'db'].forEach((name, i) => assertClose(g[i].dataSync(), ref[i].dataSync(), `${label} ${name}`));
      });
      assert.equal(tf.memory().numTensors, n0);
    });
  }

  it('linear refuses a bias that does not match the kernel, naming both shapes', () => {
    tf.tidy(() =>
      assert.throws(
        () => linear(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([3]) as tf.Tensor1D),
        /bias shape \[3\] does not match kernel \[3, 4\] \(expected \[4\]\)/,
      ),
    );
  });
});
