/**
 * Building blocks against plain loops: convolution and max pooling with PyTorch's symmetric
 * padding on an even input (where tfjs 'same' pads differently), frozen BatchNorm, LayerNorm,
 * the bicubic interpolation matrix, and no tensors left behind.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { batchNormFrozen } from '../../lib/backbones/batch_norm';
import { conv2dTorch, maxPool2dTorch } from '../../lib/backbones/conv';
import { layerNorm } from '../../lib/backbones/layer_norm';
import { seededNormal } from '../../lib/random';
import { bicubicMatrix } from '../../lib/backbones/pos_embed';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

const H = 6,
  W = 6,
  C = 2,
  O = 3,
  K = 3;

/** torch.nn.functional.conv2d semantics on NHWC / HWIO arrays, zero padding p on every side. */
function convLoop(x: Float32Array, k: Float32Array, stride: number, p: number): Float32Array {
  const oh = Math.floor((H + 2 * p - K) / stride) + 1;
  const out = new Float32Array(oh * oh * O);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < oh; j++)
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let u = 0; u < K; u++)
          for (let v = 0; v < K; v++) {
            const r = i * stride + u - p,
              c = j * stride + v - p;
            if (r < 0 || c < 0 || r >= H || c >= W) continue;
            for (let ch = 0; ch < C; ch++) s += x[(r * W + c) * C + ch] * k[((u * K + v) * C + ch) * O + o];
          }
        out[(i * oh + j) * O + o] = s;
      }
  return out;
}

/** torch MaxPool2d(3, 2, padding=1) on NHWC: padded cells are ignored. */
function maxPoolLoop(x: Float32Array): Float32Array {
  const oh = Math.floor((H + 2 - 3) / 2) + 1;
  const out = new Float32Array(oh * oh * C).fill(-Infinity);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < oh; j++)
      for (let ch = 0; ch < C; ch++)
        for (let u = 0; u < 3; u++)
          for (let v = 0; v < 3; v++) {
            const r = i * 2 + u - 1,
              c = j * 2 + v - 1;
            if (r >= 0 && c >= 0 && r < H && c < W)
              out[(i * oh + j) * C + ch] = Math.max(out[(i * oh + j) * C + ch], x[(r * W + c) * C + ch]);
          }
  return out;
}

describe('layers', () => {
  before(async () => {
    await initBackend('wasm', { quiet: true });
  });
  const xs = seededNormal(H * W * C, 11);
  const ks = seededNormal(K * K * C * O, 12);

  it('conv2dTorch pads symmetrically (stride 2 on an even input), unlike tfjs same', () => {
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.tensor4d(xs, [1, H, W, C]);
      const k = tf.tensor4d(ks, [K, K, C, O]);
      const want = convLoop(xs, ks, 2, 1);
      assertClose(conv2dTorch(x, k, null, 2, 1).dataSync(), want, 'conv stride 2 pad 1');
      assertClose(conv2dTorch(x, k, null, 1, 1).dataSync(), convLoop(xs, ks, 1, 1), 'conv stride 1 pad 1');
      const same = tf.conv2d(x, k, 2, 'same').dataSync();
      assert.ok(
        same.some((v, i) => Math.abs(v - want[i]) > 1e-3),
        'tfjs same padding should differ here',
      );
      const b = tf.tensor1d([1, -2, 3]);
      const withBias = conv2dTorch(x, k, b, 2, 1).dataSync();
      assertClose(
        withBias,
        want.map((v, i) => v + [1, -2, 3][i % 3]),
        'conv bias',
      );
    });
    assert.equal(tf.memory().numTensors, n0);
  });

  it('maxPool2dTorch matches MaxPool2d(3, 2, 1) on negative inputs', () => {
    const neg = xs.map((v) => v - 5); // padding with 0 would win here
    const y = tf.tidy(() => maxPool2dTorch(tf.tensor4d(neg, [1, H, W, C]), 3, 2, 1));
    assertClose(y.dataSync(), maxPoolLoop(neg), 'maxpool');
    y.dispose();
  });

  it('batchNormFrozen uses the running statistics with eps 1e-5', () => {
    const y = tf.tidy(() =>
      batchNormFrozen(
        tf.tensor4d(xs, [1, H, W, C]),
        tf.tensor1d([0.5, -1]),
        tf.tensor1d([4, 1e-5]),
        tf.tensor1d([2, 3]),
        tf.tensor1d([0.1, 0.2]),
      ),
    );
    const want = xs.map((v, i) => (i % 2 === 0 ? ((v - 0.5) / Math.sqrt(4 + 1e-5)) * 2 + 0.1 : ((v + 1) / Math.sqrt(2e-5)) * 3 + 0.2));
    assertClose(y.dataSync(), want, 'batchnorm');
    y.dispose();
  });

  it('layerNorm normalises the last axis with biased variance', () => {
    const y = tf.tidy(() =>
      layerNorm(tf.tensor2d(xs.subarray(0, 12), [2, 6]), tf.fill([6], 2) as tf.Tensor1D, tf.fill([6], 1) as tf.Tensor1D, 1e-6),
    );
    const want: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = [...xs.subarray(r * 6, r * 6 + 6)];
      const m = row.reduce((a, b) => a + b) / 6;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 6;
      want.push(...row.map((x) => ((x - m) / Math.sqrt(v + 1e-6)) * 2 + 1));
    }
    assertClose(y.dataSync(), want, 'layernorm');
    y.dispose();
  });

  it('bicubic matrix: identity at the same size, rows sum to 1, hand-worked 2 -> 4 weights', () => {
    const id = bicubicMatrix(3, 3);
    assert.deepEqual([...id], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const m = bicubicMatrix(4, 7);
    for (let r = 0; r < 7; r++) assert.ok(Math.abs(m.subarray(r * 4, r * 4 + 4).reduce((a, b) => a + b) - 1) < 1e-6);
    // 2 -> 4: output 1 samples x = 0.25 (t = 0.25, base 0); taps at -1,0,1,2 clamp to 0,0,1,1
    const a = -0.75,
      t = 0.25;
    const w = [
      ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
      ((a + 2) * t - (a + 3)) * t * t + 1,
      ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
      ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
    ];
    const up = bicubicMatrix(2, 4);
    assertClose([up[2], up[3]], [w[0] + w[1], w[2] + w[3]], 'bicubic 2->4 row 1');
  });
});
