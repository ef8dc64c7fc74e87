/** The paper's baseline losses: each against its loop version and finite differences. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { NormalizedSoftmaxLoss } from '../../lib/losses/normalized_softmax';
import { ProxyNcaLoss } from '../../lib/losses/proxy_nca';
import { MultiSimilarityLoss } from '../../lib/losses/multi_similarity';
import { SoftTripleLoss } from '../../lib/losses/soft_triple';
import { SupConLoss } from '../../lib/losses/sup_con';
import { testMatrix } from '../method/loop_reference';
import { checkAgainstLoop } from './check';
import { multiSimilarityLoop, normalizedSoftmaxLoop, proxyNcaLoop, softTripleLoop, supConLoop } from './loop_losses';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

const x = testMatrix(8, 6, 5);
const y = [0, 1, 2, 3, 0, 1, 2, 0];

test('Normalized Softmax', () => {
  const loss = new NormalizedSoftmaxLoss({ numClasses: 4, embeddingDim: 6, seed: 1, alpha: 8 });
  checkAgainstLoop('normalized softmax', loss, x, y, (m, p) => normalizedSoftmaxLoop(m, y, p, 8));
  loss.dispose();
});

test('ProxyNCA and ProxyNCA++', () => {
  const nca = new ProxyNcaLoss({ numClasses: 4, embeddingDim: 6, seed: 2, scale: 2 });
  checkAgainstLoop('proxy nca', nca, x, y, (m, p) => proxyNcaLoop(m, y, p, false, 2, 1));
  nca.dispose();
  const pp = new ProxyNcaLoss({ numClasses: 4, embeddingDim: 6, seed: 3, variant: 'plusplus', temperature: 0.5 });
  assert.equal(pp.scale, 1);
  checkAgainstLoop('proxy nca++', pp, x, y, (m, p) => proxyNcaLoop(m, y, p, true, 1, 0.5));
  pp.dispose();
});

test('Multi-Similarity (official defaults: alpha 2, beta 50, base 0.5)', () => {
  const loss = new MultiSimilarityLoss();
  checkAgainstLoop(
    'multi-similarity',
    loss,
    x.map((r) => r.map((v) => v * 0.3)),
    y,
    (m) => multiSimilarityLoop(m, y),
  );
});

test('SoftTriple', () => {
  const loss = new SoftTripleLoss({ numClasses: 4, embeddingDim: 6, seed: 4, centersPerClass: 3 });
  checkAgainstLoop('soft triple', loss, x, y, (m, c) => softTripleLoop(m, y, c, 4, 3));
  loss.dispose();
});

test('SupCon', () => {
  const loss = new SupConLoss({ temperature: 0.5 });
  checkAgainstLoop('supcon', loss, x, [0, 1, 2, 3, 0, 1, 2, 4], (m) => supConLoop(m, [0, 1, 2, 3, 0, 1, 2, 4], 0.5));
});

test('bad labels are reported', () => {
  const loss = new NormalizedSoftmaxLoss({ numClasses: 3, embeddingDim: 6 });
  tf.tidy(() => assert.throws(() => loss.compute(tf.tensor2d(x), tf.tensor1d(y, 'int32')), /label 3 at index 3 is outside \[0, 3\)/));
  loss.dispose();
});
