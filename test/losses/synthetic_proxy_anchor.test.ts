/**
 * The fused Proxy-Anchor term of SEE's synthetic points (lib/losses/synthetic_proxy_anchor.ts) on
 * wasm equals the plain constant-points Proxy-Anchor (proxyAnchorNormalized with constant
 * embeddings): loss and dL/dproxies, with more classes than one block (so several blocks and a
 * last partial one), classes without points, and tensors freed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { l2Normalize } from '../../lib/losses/l2_normalize';
import { proxyAnchorNormalized } from '../../lib/losses/proxy_anchor';
import { syntheticProxyAnchor } from '../../lib/losses/synthetic_proxy_anchor';
import { seededUniform } from '../backend/random';

async function lossAndGrad(
  fused: boolean,
  x: Float32Array,
  labels: Int32Array,
  p: Float32Array,
  c: number,
  d: number,
): Promise<{ loss: number; grad: Float32Array }> {
  const before = tf.memory().numTensors;
  const xs = tf.tidy(() => l2Normalize(tf.tensor2d(x, [labels.length, d])));
  const ps = tf.tensor2d(p, [c, d]);
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((q: tf.Tensor) => {
      const pn = l2Normalize(q as tf.Tensor2D);
      return fused ? syntheticProxyAnchor(xs, labels, pn, 0.1, 32) : proxyAnchorNormalized(xs, labels, pn, 0.1, 32, true);
    })([ps]),
  );
  const out = { loss: (await value.data())[0], grad: (await grads[0].data()) as Float32Array };
  tf.dispose([xs, ps, value, ...grads]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  return out;
}

test('fused synthetic-points Proxy-Anchor equals the plain one on wasm (several class blocks)', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(61);
  for (const [n, c, d] of [
    [96, 4500, 16],
    [37, 11, 8],
    [130, 2048, 12],
  ]) {
    const x = u(n * d);
    // clustered near a few proxies so both terms matter; classes > every label are never positive
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % Math.min(c, 50));
    const p = u(c * d);
    const fused = await lossAndGrad(true, x, labels, p, c, d);
    const plain = await lossAndGrad(false, x, labels, p, c, d);
    assert.ok(Math.abs(fused.loss - plain.loss) <= 1e-5 * Math.abs(plain.loss), `n ${n} C ${c}: loss ${fused.loss} vs ${plain.loss}`);
    // relative to the largest gradient entry (the entries are far below 1)
    let scale = 0;
    let worst = 0;
    plain.grad.forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      worst = Math.max(worst, Math.abs(v - fused.grad[i]));
    });
    assert.ok(worst <= 1e-4 * scale, `n ${n} C ${c}: dL/dproxies differ by ${worst} (largest entry ${scale})`);
    assert.ok(fused.grad.some((v) => v !== 0));
  }
});

test('on cpu the fused term is the plain function', async () => {
  await initBackend('cpu', { quiet: true });
  const u = seededUniform(62);
  const labels = Int32Array.from([0, 1, 1, 3]);
  const x = u(4 * 6);
  const p = u(5 * 6);
  const a = await lossAndGrad(true, x, labels, p, 5, 6);
  const b = await lossAndGrad(false, x, labels, p, 5, 6);
  assert.equal(a.loss, b.loss);
  assert.deepEqual(Array.from(a.grad), Array.from(b.grad));
});
