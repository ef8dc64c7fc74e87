/**
 * The readable method (lib/method/reference.ts) against the float64 loops of the official
 * per-sample code, and the fast path (lib/method/fast/, the Proxy-Anchor of lib/losses) against it.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../lib/tf';
import { simplexCoefficients } from '../../lib/method/coefficients';
import { sphericalExpansion } from '../../lib/method/fast/expansion';
import { expandSample, referenceExpansion, referenceProxyAnchor, referenceSeeLoss } from '../../lib/method/reference';
import { proxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { seeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { SeededRandom } from '../../lib/random';
import { expandOne, l2norm, maxAbsDiff, proxyAnchorLoop, testMatrix } from './loop_reference';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

const B = 10;
const D = 12;
const C = 3;
const N = 4;
const x = testMatrix(B, D, 31);
const p = testMatrix(C, D, 32);
const y = Array.from({ length: B }, (_, i) => i % C);
const noise = Array.from({ length: B }, (_, b) => testMatrix(N, D, 100 + b));

test('expandSample is the official per-sample expansion (float64 loops) to float32 precision', () => {
  const z = l2norm(x[0]);
  const w = l2norm(p[y[0]]);
  const coef = simplexCoefficients(N).map((r) => Array.from(r));
  const want = expandOne(z, w, noise[0], coef).flat();
  const got = tf.tidy(() => expandSample(tf.tensor1d(z), tf.tensor1d(w), tf.tensor2d(noise[0]), simplexCoefficients(N)).dataSync());
  assert.ok(maxAbsDiff(got, want) < 2e-6, `max difference ${maxAbsDiff(got, want)}`);
});

test('referenceExpansion equals the fast batched expansion on the same draws (both plans)', async () => {
  const before = tf.memory().numTensors;
  const [xt, yt, pt, nt] = [tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), tf.tensor3d(noise)];
  for (const [plan, threshold] of [
    [1, 0.5],
    [0, 0.1],
  ] as const) {
    const ref = await referenceExpansion(xt, yt, pt, { n: N, plan, threshold, noise: nt });
    const fast = sphericalExpansion(xt, yt, pt, { n: N, plan, threshold, noise: nt });
    assert.deepEqual(ref.selected, fast.selected, `plan ${plan}: selection`);
    assert.ok(ref.expanded.some(Boolean), `plan ${plan}: something expands`);
    assert.deepEqual(Array.from(ref.pointLabels), Array.from(fast.pointLabels));
    const d = maxAbsDiff(ref.points.dataSync(), Array.from(fast.points.dataSync()));
    assert.ok(d < 1e-5, `plan ${plan}: points differ by ${d}`);
    tf.dispose([ref.points, fast.points, fast.labels]);
  }
  const drawn = await referenceExpansion(xt, yt, pt, {
    n: N,
    plan: 1,
    threshold: 0.3,
    random: new SeededRandom(5),
    coefficients: 'random',
  });
  assert.deepEqual(drawn.points.shape, [3 * N, D]); // round(10 * 0.3) anchors
  drawn.points.dispose();
  await assert.rejects(referenceExpansion(xt, yt, pt, { n: 11, plan: 1, threshold: 0.5, noise: nt }), /n=11 needs .* d >= n\+2/);
  tf.dispose([xt, yt, pt, nt]);
  assert.equal(tf.memory().numTensors, before);
});

test("referenceProxyAnchor equals the loop, and the fast Proxy-Anchor's value and gradients", () => {
  const [xt, yt, pt] = [tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p)];
  const ref = referenceProxyAnchor(xt, y, pt);
  assert.ok(Math.abs(ref.dataSync()[0] - proxyAnchorLoop(x, y, p)) < 1e-4);
  const [gr, gf] = [
    tf.grads((a: tf.Tensor, b: tf.Tensor) => referenceProxyAnchor(a as tf.Tensor2D, y, b as tf.Tensor2D))([xt, pt]),
    tf.grads((a: tf.Tensor, b: tf.Tensor) => proxyAnchorLoss(a as tf.Tensor2D, yt, b as tf.Tensor2D))([xt, pt]),
  ];
  for (let k = 0; k < 2; k++) {
    const d = maxAbsDiff(gr[k].dataSync(), Array.from(gf[k].dataSync()));
    assert.ok(d < 1e-4, `gradient ${k}: ${d}`);
  }
  assert.throws(() => referenceProxyAnchor(xt, [...y.slice(1), 3], pt), /label 3 at index 9 is outside \[0, 3\)/);
  tf.dispose([xt, yt, pt, ref, ...gr, ...gf]);
});

test('referenceSeeLoss equals the fast SEE Proxy-Anchor loss, with and without expansions', async () => {
  const [xt, yt, pt, nt] = [tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), tf.tensor3d(noise)];
  for (const threshold of [0.5, 0]) {
    const e = await referenceExpansion(xt, yt, pt, { n: N, plan: 1, threshold, noise: nt });
    const ref = referenceSeeLoss(xt, y, pt, e, 0.2);
    const fast = seeProxyAnchorLoss(xt, yt, pt, { n: N, lambda: 0.2, margin: 0.1, alpha: 32, plan: 1, threshold, noise: nt });
    assert.ok(Math.abs(ref.dataSync()[0] - fast.loss.dataSync()[0]) < 1e-4, `threshold ${threshold}`);
    tf.dispose([e.points, ref, fast.loss, fast.batchLoss, fast.augLoss]);
  }
  tf.dispose([xt, yt, pt, nt]);
});
