/**
 * ViT's attention: the heap core of inference (lib/backend/wasm_kernels/attention_core.ts) equals the
 * textbook formula softmax(q k^T / sqrt(hd)) v per head, for row counts that are and are not multiples
 * of a SIMD lane; attention() runs it when no gradient is recorded (no Softmax or Transpose kernel)
 * and the composite under a tape, with the same values, and leaves no tensor behind.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { attention, type AttentionWeights } from '../../lib/backbones/attention';
import { attentionCoreOnHeap } from '../../lib/backend/wasm_kernels/attention_core';
import { profileKernels } from '../../lib/backend/kernel_profile';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

/** the formula, written out: qkv [B, N, 3D] -> [B, N, D] */
function textbook(qkv: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, n, d3] = qkv.shape;
    const d = d3 / 3;
    const hd = d / numHeads;
    const heads: tf.Tensor[] = [];
    for (let h = 0; h < numHeads; h++) {
      const q = tf.slice(qkv, [0, 0, h * hd], [b, n, hd]); // [B, N, hd]
      const k = tf.slice(qkv, [0, 0, d + h * hd], [b, n, hd]);
      const v = tf.slice(qkv, [0, 0, 2 * d + h * hd], [b, n, hd]);
      const p = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(hd)), -1); // [B, N, N]
      heads.push(tf.matMul(p, v)); // [B, N, hd]
    }
    return tf.concat(heads, 2) as tf.Tensor3D; // [B, N, D]
  });
}

function weights(d: number, seed: number): AttentionWeights {
  return {
    qkv: tf.randomNormal([d, 3 * d], 0, 0.3, 'float32', seed) as tf.Tensor2D,
    qkvBias: tf.randomNormal([3 * d], 0, 0.1, 'float32', seed + 1) as tf.Tensor1D,
    proj: tf.randomNormal([d, d], 0, 0.3, 'float32', seed + 2) as tf.Tensor2D,
    projBias: tf.randomNormal([d], 0, 0.1, 'float32', seed + 3) as tf.Tensor1D,
  };
}

describe('attention', () => {
  before(async () => {
    await initBackend('wasm', { quiet: true });
  });

  for (const [b, n, heads, hd] of [
    [2, 13, 3, 8],
    [1, 16, 2, 4],
    [3, 1, 1, 5],
  ] as const) {
    it(`the heap core equals the formula: batch ${b}, ${n} tokens, ${heads} heads of ${hd}`, async () => {
      const n0 = tf.memory().numTensors;
      const qkv = tf.randomNormal([b, n, 3 * heads * hd], 0, 2, 'float32', 7) as tf.Tensor3D;
      const fused = attentionCoreOnHeap(qkv, heads);
      assert.ok(fused, 'the heap core did not run on wasm');
      assert.deepEqual(fused.shape, [b, n, heads * hd]);
      const want = textbook(qkv, heads);
      assertClose((await fused.data()) as Float32Array, (await want.data()) as Float32Array, `[${b}, ${n}, ${heads} x ${hd}]`, 1e-5);
      tf.dispose([qkv, fused, want]);
      assert.equal(tf.memory().numTensors, n0, 'tensors left behind');
    });
  }

  it('refuses a qkv width that is not 3 x heads x a head dim', () => {
    const qkv = tf.zeros([1, 2, 10]) as tf.Tensor3D;
    assert.throws(() => attentionCoreOnHeap(qkv, 2), /qkv's last dim 10 is not 3 x 2 heads x a head dim/);
    qkv.dispose();
  });

  it('attention(): the heap core when no gradient is recorded, the composite under a tape, the same values', async () => {
    const n0 = tf.memory().numTensors;
    const w = weights(12, 11);
    const x = tf.randomNormal([2, 9, 12], 0, 1, 'float32', 12) as tf.Tensor3D;
    let inference: tf.Tensor | undefined;
    const plain = await profileKernels(async () => {
      inference = attention(x, w, 3);
      await inference.data();
    });
    const names = plain.kernels.map((k) => k.kernel);
    assert.ok(!names.includes('Softmax') && !names.includes('Transpose'), `inference ran the composite: ${names.join(', ')}`);
    let taped: tf.Tensor | undefined;
    const recorded = await profileKernels(async () => {
      const grads = tf.grads((xi: tf.Tensor) => {
        taped = tf.keep(attention(xi as tf.Tensor3D, w, 3));
        return tf.sum(taped);
      })([x]);
      await grads[0].data();
      tf.dispose(grads);
    });
    assert.ok(
      recorded.kernels.some((k) => k.kernel === 'Softmax'),
      `under a tape the composite did not run: ${recorded.kernels.map((k) => k.kernel).join(', ')}`,
    );
    assert.ok(inference && taped);
    assertClose((await inference.data()) as Float32Array, (await taped.data()) as Float32Array, 'inference vs taped', 1e-5);
    tf.dispose([x, inference, taped, w.qkv, w.qkvBias, w.proj, w.projBias]);
    assert.equal(tf.memory().numTensors, n0, 'tensors left behind');
  });
});
