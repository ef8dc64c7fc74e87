/**
 * ViT's attention on the wasm heap (lib/backend/wasm_kernels/attention_core.ts): the core equals the
 * textbook formula softmax(q k^T / sqrt(hd)) v per head, and its gradient the formula's gradient, for
 * token counts that are and are not multiples of a SIMD lane; attention() runs it (no Softmax,
 * Transpose or Pack kernel) for inference and under a tape, with the values and gradients of the
 * whole block written out with tfjs ops, and leaves no tensor behind.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { attention, type AttentionWeights } from '../../lib/backbones/attention';
import { attentionCoreGradOnHeap, attentionCoreOnHeap } from '../../lib/backend/wasm_kernels/attention_core';
import { profileKernels } from '../../lib/backend/kernel_profile';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

/** the formula, written out: qkv [B, N, 3D] -> [B, N, D] */
function textbook(qkv: tf.Tensor, numHeads: number): tf.Tensor {
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
  return tf.concat(heads, 2); // [B, N, D]
}

/** the whole block written out: qkv projection, the formula, output projection */
function textbookBlock(x: tf.Tensor, w: tf.Tensor[], numHeads: number): tf.Tensor {
  const [qkvW, qkvB, projW, projB] = w;
  const [b, n, d] = x.shape;
  const qkv = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, d]), qkvW), qkvB), [b, n, 3 * d]);
  return tf.reshape(tf.add(tf.matMul(tf.reshape(textbook(qkv, numHeads), [-1, d]), projW), projB), [b, n, d]);
}

const asWeights = (w: tf.Tensor[]): AttentionWeights => ({
  qkv: w[0] as tf.Tensor2D,
  qkvBias: w[1] as tf.Tensor1D,
  proj: w[2] as tf.Tensor2D,
  projBias: w[3] as tf.Tensor1D,
});

async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
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
    it(`the heap core and its gradient equal the formula's: batch ${b}, ${n} tokens, ${heads} heads of ${hd}`, async () => {
      const n0 = tf.memory().numTensors;
      const label = `[${b}, ${n}, ${heads} x ${hd}]`;
      const qkv = tf.randomNormal([b, n, 3 * heads * hd], 0, 2, 'float32', 7) as tf.Tensor3D;
      const dy = tf.randomNormal([b, n, heads * hd], 0, 1, 'float32', 8);
      const fused = attentionCoreOnHeap(qkv, heads, true);
      assert.ok(fused?.probabilities, 'the heap core did not run on wasm');
      assert.deepEqual(fused.value.shape, [b, n, heads * hd]);
      assert.deepEqual(fused.probabilities.shape, [b, heads, n, n]);
      const dqkv = attentionCoreGradOnHeap(qkv, fused.probabilities, dy, heads);
      assert.ok(dqkv, 'the heap gradient did not run on wasm');
      const want = tf.tidy(() => textbook(qkv, heads));
      const wantGrad = tf.tidy(() => tf.grads((x: tf.Tensor) => tf.sum(tf.mul(textbook(x, heads), dy)))([qkv])[0]);
      assertClose(await values(fused.value), await values(want), `${label} value`, 1e-5);
      assertClose(await values(dqkv), await values(wantGrad), `${label} gradient`, 1e-4);
      tf.dispose([qkv, dy, fused.value, fused.probabilities, dqkv, want, wantGrad]);
      assert.equal(tf.memory().numTensors, n0, 'tensors left behind');
    });
  }

  it('refuses a qkv width that is not 3 x heads x a head dim', () => {
    const qkv = tf.zeros([1, 2, 10]) as tf.Tensor3D;
    assert.throws(() => attentionCoreOnHeap(qkv, 2), /qkv \[1, 2, 10\] is not \[B, N, 3 x 2 heads x a head dim\]/);
    qkv.dispose();
  });

  it('attention() runs the heap core for inference and under a tape: values and gradients of the block written out', async () => {
    const n0 = tf.memory().numTensors;
    const d = 12;
    const w = [
      tf.randomNormal([d, 3 * d], 0, 0.3, 'float32', 11),
      tf.randomNormal([3 * d], 0, 0.1, 'float32', 12),
      tf.randomNormal([d, d], 0, 0.3, 'float32', 13),
      tf.randomNormal([d], 0, 0.1, 'float32', 14),
    ];
    const x = tf.randomNormal([2, 9, d], 0, 1, 'float32', 15) as tf.Tensor3D;
    const probe = tf.randomNormal([2, 9, d], 0, 1, 'float32', 16);
    const noComposite = (names: string[], when: string): void =>
      assert.ok(!['Softmax', 'Transpose', 'Pack'].some((k) => names.includes(k)), `${when} ran the composite: ${names.join(', ')}`);
    let inference: tf.Tensor | undefined;
    const plain = await profileKernels(async () => {
      inference = attention(x, asWeights(w), 3);
      await inference.data();
    });
    noComposite(
      plain.kernels.map((k) => k.kernel),
      'inference',
    );
    let grads: tf.Tensor[] = [];
    const recorded = await profileKernels(async () => {
      grads = tf.grads((xi: tf.Tensor, a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor, e: tf.Tensor) =>
        tf.sum(tf.mul(attention(xi as tf.Tensor3D, asWeights([a, bb, c, e]), 3), probe)),
      )([x, ...w]);
      await Promise.all(grads.map((g) => g.data()));
    });
    noComposite(
      recorded.kernels.map((k) => k.kernel),
      'the taped pass',
    );
    const want = tf.tidy(() => textbookBlock(x, w, 3));
    const wantGrads = tf.tidy(() =>
      tf.grads((xi: tf.Tensor, a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor, e: tf.Tensor) =>
        tf.sum(tf.mul(textbookBlock(xi, [a, bb, c, e], 3), probe)),
      )([x, ...w]),
    );
    assert.ok(inference);
    assertClose(await values(inference), await values(want), 'inference value', 1e-5);
    for (const [i, name] of ['x', 'qkv weight', 'qkv bias', 'proj weight', 'proj bias'].entries()) {
      assertClose(await values(grads[i]), await values(wantGrads[i]), `gradient of ${name}`, 1e-4);
    }
    tf.dispose([x, probe, inference, want, ...w, ...grads, ...wantGrads]);
    assert.equal(tf.memory().numTensors, n0, 'tensors left behind');
  });
});
