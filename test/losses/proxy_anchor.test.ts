/** Proxy-Anchor: loop version, finite differences, proxy initialisation, absent classes. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { ProxyAnchorLoss, proxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { testMatrix } from '../method/loop_reference';
import { checkAgainstLoop } from './check';
import { proxyAnchorLoop } from './loop_losses';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

test('Proxy-Anchor equals the loop version and its gradients equal finite differences', () => {
  const x = testMatrix(9, 7, 1);
  const y = [0, 1, 2, 0, 1, 2, 0, 1, 4]; // class 3 has no positive in the batch
  const loss = new ProxyAnchorLoss({ numClasses: 5, embeddingDim: 7, seed: 3 });
  checkAgainstLoop('proxy anchor', loss, x, y, (m, p) => proxyAnchorLoop(m, y, p));
  loss.dispose();
  const soft = new ProxyAnchorLoss({ numClasses: 5, embeddingDim: 7, seed: 4, margin: 0.2, alpha: 4 });
  checkAgainstLoop('proxy anchor (mrg 0.2, alpha 4)', soft, x, y, (m, p) => proxyAnchorLoop(m, y, p, 0.2, 4));
  soft.dispose();
  // more classes than rows: the similarity matrix is stored classes-first (see SimilarityLayout)
  const few = testMatrix(4, 7, 2);
  const fy = [0, 5, 2, 0];
  const wide = new ProxyAnchorLoss({ numClasses: 6, embeddingDim: 7, seed: 5 });
  checkAgainstLoop('proxy anchor (C > N)', wide, few, fy, (m, p) => proxyAnchorLoop(m, fy, p));
  wide.dispose();
});

test('proxies are Kaiming normal with fan_out = C: std sqrt(2 / C), seeded', () => {
  const a = new ProxyAnchorLoss({ numClasses: 400, embeddingDim: 64, seed: 9 });
  const b = new ProxyAnchorLoss({ numClasses: 400, embeddingDim: 64, seed: 9 });
  const v = Array.from(a.proxies.dataSync());
  const mean = v.reduce((s, t) => s + t, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, t) => s + (t - mean) ** 2, 0) / v.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 400)) < 0.02 * Math.sqrt(2 / 400), `std ${std}`);
  assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
  assert.deepEqual(v, Array.from(b.proxies.dataSync()));
  assert.equal(a.trainableVariables.length, 1);
  a.dispose();
  b.dispose();
});

test('input errors name the problem', () => {
  tf.tidy(() => {
    const x = tf.tensor2d(testMatrix(3, 4, 1));
    const p = tf.tensor2d(testMatrix(2, 4, 2));
    assert.throws(() => proxyAnchorLoss(x, tf.tensor1d([0, 2, 1], 'int32'), p), /label 2 at index 1 is outside \[0, 2\)/);
    assert.throws(() => proxyAnchorLoss(x, tf.tensor1d([0, 1, 1], 'float32') as tf.Tensor1D, p), /labels must be int32/);
    assert.throws(() => proxyAnchorLoss(x, tf.tensor1d([0, 1], 'int32'), p), /labels must have shape \[3\]/);
    assert.throws(() => proxyAnchorLoss(x, tf.tensor1d([0, 1, 1], 'int32'), tf.tensor2d(testMatrix(2, 5, 2))), /dimension 4, proxies 5/);
  });
});
