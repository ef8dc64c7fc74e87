/** The loss registry: every entry builds a working loss from its defaults; names and options are checked. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { createLoss, getLossEntry, LOSSES, lossNames, lossOfPaperMethod, resolveLoss } from '../../lib/losses/registry';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { testMatrix } from '../method/loop_reference';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

const context = { numClasses: 4, embeddingDim: 20, seed: 3 }; // SEE's default n = 16 needs d >= 18

test('every registered loss builds from its defaults, computes a finite loss with gradients, and frees its variables', () => {
  const x = testMatrix(8, 20, 2);
  const y = [0, 0, 1, 1, 2, 2, 3, 3]; // class-major pairs: the view layout the Hyp loss needs suits every loss
  for (const name of lossNames()) {
    const before = tf.memory().numTensors;
    const loss = createLoss({ name }, context);
    const xv = tf.tidy(() => tf.variable(tf.tensor2d(x)));
    const yt = tf.tensor1d(y, 'int32');
    const { value, grads } = tf.variableGrads(() => loss.compute(xv, yt), [xv, ...loss.trainableVariables]);
    const v = value.dataSync()[0];
    assert.ok(Number.isFinite(v), `${name}: loss ${v}`);
    const gx = grads[xv.name].dataSync();
    assert.ok(
      gx.some((g) => g !== 0),
      `${name}: no gradient reaches the embeddings`,
    );
    tf.dispose([value, xv, yt, ...Object.values(grads)]);
    loss.dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: leaked tensors`);
    const entry = getLossEntry(name);
    assert.ok(entry.title && entry.reference, `${name}: title and reference`);
    for (const [k, o] of Object.entries(entry.options)) assert.ok(o.source.length > 10, `${name}.${k}: no source for its default`);
  }
});

test('options: defaults completed, flat SEE options reach the schedule, bad names and values are refused', () => {
  const see = resolveLoss('see_proxy_anchor', { n: 4, maxThresh: 0.3, coefficients: 'random' });
  assert.deepEqual(see.options, {
    n: 4,
    lambda: 0.2,
    margin: 0.1,
    alpha: 32,
    plan: 1,
    maxThresh: 0.3,
    minThresh: 0,
    lowerBound: 0,
    coefficients: 'random',
  });
  const loss = createLoss(see, context) as SeeProxyAnchorLoss;
  assert.ok(loss instanceof SeeProxyAnchorLoss);
  assert.deepEqual([loss.n, loss.coefficients, loss.schedule], [4, 'random', { maxThresh: 0.3, minThresh: 0, lowerBound: 0 }]);
  loss.dispose();
  assert.throws(
    () => resolveLoss('see_proxy_ancor'),
    /unknown loss "see_proxy_ancor"; expected one of see_proxy_anchor, proxy_anchor, .*multi_similarity/,
  );
  assert.throws(
    () => resolveLoss('multi_similarity', { margin: 0.1 }),
    /loss "multi_similarity": unknown option "margin"; its options are alpha, beta, base/,
  );
  assert.throws(() => resolveLoss('see_proxy_anchor', { n: 2.5 }), /option n=2\.5, expected an integer >= 1/);
  assert.throws(
    () => resolveLoss('see_proxy_anchor', { coefficients: 'gaussian' }),
    /option coefficients="gaussian", expected one of simplex, random/,
  );
  assert.throws(() => resolveLoss('proxy_anchor', { alpha: 0 }), /option alpha=0, expected a number > 0/);
  assert.throws(() => resolveLoss('see_proxy_anchor', { plan: 2 }), /option plan=2, expected one of 0, 1/);
});

test("the SEE paper's method names map to registered losses", () => {
  assert.equal(lossOfPaperMethod('SEE'), 'see_proxy_anchor');
  assert.equal(lossOfPaperMethod('PA'), 'proxy_anchor');
  assert.equal(lossOfPaperMethod('NSoftmax'), 'normalized_softmax');
  assert.equal(lossOfPaperMethod('ProxyNCA++'), 'proxy_nca_pp');
  assert.equal(lossOfPaperMethod('MS'), 'multi_similarity');
  assert.equal(lossOfPaperMethod('Hyp'), 'hyp_contrastive');
  assert.equal(lossOfPaperMethod('MIC'), undefined);
  assert.equal(Object.keys(LOSSES).length, new Set(Object.values(LOSSES)).size, 'one entry per name');
});
