/** SEE Proxy-Anchor: decomposition, constant expansions, empty selection, schedule, no leaks. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { SeeProxyAnchorLoss, seeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { proxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { sphericalExpansion } from '../../lib/method/fast/expansion';
import { assertNoTensorLeak } from '../helpers/leaks';
import { maxAbsDiff, testMatrix } from '../method/loop_reference';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

const B = 10;
const D = 12;
const C = 4;
const N = 3;
const xs = testMatrix(B, D, 1);
const ps = testMatrix(C, D, 2);
const ys = Array.from({ length: B }, (_, i) => i % C);
const noise = Array.from({ length: B }, (_, i) => testMatrix(N, D, 50 + i));
const opts = { n: N, lambda: 0.3, margin: 0.1, alpha: 32, plan: 1 as const, threshold: 0.5 };

test('total = PA(batch) + lambda PA(expansions); x gets only the batch gradient', () => {
  tf.tidy(() => {
    const x = tf.tensor2d(xs);
    const y = tf.tensor1d(ys, 'int32');
    const p = tf.tensor2d(ps);
    const o = { ...opts, noise: tf.tensor3d(noise) };
    const e = sphericalExpansion(x, y, p, o);
    assert.equal(e.points.shape[0], 5 * N);
    const f = (xa: tf.Tensor, pa: tf.Tensor): tf.Scalar => seeProxyAnchorLoss(xa as tf.Tensor2D, y, pa as tf.Tensor2D, o).loss;
    const fRef = (xa: tf.Tensor, pa: tf.Tensor): tf.Scalar =>
      tf.add(
        proxyAnchorLoss(xa as tf.Tensor2D, y, pa as tf.Tensor2D),
        tf.mul(proxyAnchorLoss(e.points, e.labels, pa as tf.Tensor2D), 0.3),
      ) as tf.Scalar;
    assert.ok(Math.abs(f(x, p).dataSync()[0] - fRef(x, p).dataSync()[0]) < 1e-4);
    const [gx, gp] = tf.grads(f)([x, p]);
    const [rx, rp] = tf.grads(fRef)([x, p]);
    assert.ok(maxAbsDiff(gx.dataSync(), Array.from(rx.dataSync())) < 1e-5, 'grad x');
    assert.ok(maxAbsDiff(gp.dataSync(), Array.from(rp.dataSync())) < 1e-5, 'grad proxies');
    const [bx] = tf.grads((xa: tf.Tensor) => proxyAnchorLoss(xa as tf.Tensor2D, y, p))([x]);
    assert.ok(maxAbsDiff(gx.dataSync(), Array.from(bx.dataSync())) < 1e-5, 'x must get the batch gradient only');
  });
});

test('nothing selected: expansion loss 0 and total = batch loss', () => {
  tf.tidy(() => {
    const x = tf.tensor2d(xs);
    const y = tf.tensor1d(ys, 'int32');
    const p = tf.tensor2d(ps);
    const r = seeProxyAnchorLoss(x, y, p, { ...opts, threshold: 0, noise: tf.tensor3d(noise) });
    assert.equal(r.augLoss.dataSync()[0], 0);
    assert.equal(r.loss.dataSync()[0], r.batchLoss.dataSync()[0]);
    assert.ok(Math.abs(r.batchLoss.dataSync()[0] - proxyAnchorLoss(x, y, p).dataSync()[0]) < 1e-5);
  });
});

test('the class follows the schedule, reports what it expanded, and trains 20 steps without leaks', async () => {
  assert.throws(() => new SeeProxyAnchorLoss({ numClasses: C, embeddingDim: 8, n: 7 }), /dimension 8 is smaller than n\+2=9/);
  const loss = new SeeProxyAnchorLoss({ numClasses: C, embeddingDim: D, n: N, seed: 5 });
  assert.equal(loss.setEpoch(0, 10), 0);
  assert.ok(Math.abs(loss.setEpoch(10, 10) - 0.4) < 1e-12);
  const emb = tf.tidy(() => tf.variable(tf.tensor2d(xs)));
  const y = tf.tensor1d(ys, 'int32');
  const opt = tf.train.sgd(0.05);
  const losses = await assertNoTensorLeak(
    'SEE step',
    async () => {
      const cost = opt.minimize(() => loss.compute(emb, y), true, [emb, loss.proxies]);
      const v = (await cost!.data())[0];
      cost!.dispose();
      return v;
    },
    20,
  );
  assert.equal(loss.lastStep?.numExpanded, 4); // round(10 * 0.4)
  assert.equal(loss.lastStep?.numSynthetic, 4 * N);
  // the loop logs lastStats(): the official aug_rate = synthetic points / batch size
  assert.deepEqual(loss.lastStats(), { expansionRate: (4 * N) / 10, numExpanded: 4, threshold: loss.threshold });
  assert.ok(losses[losses.length - 1] < losses[0], `loss should go down: ${losses[0]} -> ${losses[losses.length - 1]}`);
  opt.dispose();
  tf.dispose([emb, y]);
  loss.dispose();
});
