/**
 * matMulFast (explicit-transpose gradient) gives the values and gradients of tf.matMul, for
 * rank 2 and rank 4 with transposeB, and rejects mismatched batch dimensions.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { matMulFast } from '../../lib/backbones/matmul';
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
});
