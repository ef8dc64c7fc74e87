/**
 * The Hyp head from the head registry: orthogonal Linear with zero bias, then the Poincare ball
 * (c > 0, the model's geometry says so) or the unit sphere (c = 0); a model with it gives its
 * backbone features and embeddings in one pass (embedWithFeatures) equal to embed's.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createHead, resolveHead } from '../../lib/backbones/heads';
import { HyperbolicHead } from '../../lib/backbones/hyperbolic_head';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { toEmbeddingSpace } from '../../lib/hyperbolic/poincare';
import { initBackend, tf } from '../../lib/tf';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

test("hyperbolic head: hyp_metric's defaults, orthogonal kernel and zero bias, points of the ball; c = 0 the sphere", () => {
  const before = tf.memory().numTensors;
  assert.deepEqual(resolveHead('hyperbolic'), { name: 'hyperbolic', options: { c: 0.1, clipR: 2.3 } });
  assert.throws(() => resolveHead('hyperbolic', { c: -0.1 }), /head "hyperbolic": option c=-0\.1, expected a number >= 0/);
  const head = createHead({ name: 'hyperbolic' }, { featureDim: 12, embeddingDim: 4, seed: 2 }) as HyperbolicHead;
  assert.ok(head instanceof HyperbolicHead);
  assert.deepEqual(head.geometry, { kind: 'poincare', c: 0.1 });
  const k = tf.tidy(() => tf.matMul(head.kernel, head.kernel, true, false).arraySync() as number[][]); // [4, 4]
  k.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-5, `kernel^T kernel [${i}][${j}] = ${v}`)));
  assert.ok(head.bias.dataSync().every((v) => v === 0));
  const features = tf.randomNormal([5, 12], 0, 10, 'float32', 3) as tf.Tensor2D;
  const [out, want] = [head.apply(features), tf.tidy(() => toEmbeddingSpace(tf.matMul(features, head.kernel as tf.Tensor2D), 0.1, 2.3))];
  assert.deepEqual(Array.from(out.dataSync()), Array.from(want.dataSync()));
  const radius = Math.tanh(Math.sqrt(0.1) * 2.3) / Math.sqrt(0.1);
  tf.tidy(() => Array.from(tf.norm(out, 2, 1).dataSync())).forEach((n) =>
    assert.ok(n <= radius + 1e-6, `norm ${n} inside the clipped radius ${radius}`),
  );
  const sphere = createHead({ name: 'hyperbolic', options: { c: 0 } }, { featureDim: 12, embeddingDim: 4, seed: 2 });
  assert.deepEqual(sphere.geometry, { kind: 'sphere' });
  const unit = sphere.apply(features);
  tf.tidy(() => Array.from(tf.norm(unit, 2, 1).dataSync())).forEach((n) => assert.ok(Math.abs(n - 1) < 1e-6));
  tf.dispose([features, out, want, unit]);
  head.dispose();
  sphere.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('a model with the hyperbolic head: its geometry, and features with embeddings in one pass', () => {
  const before = tf.memory().numTensors;
  const model = createEmbeddingModel('resnet_tiny.test', { embeddingDim: 6, seed: 1, head: { name: 'hyperbolic' } });
  assert.deepEqual(model.geometry, { kind: 'poincare', c: 0.1 });
  const images = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const both = model.embedWithFeatures(images, false);
  const [embeddings, features] = [model.embed(images, false), model.features(images, false)];
  assert.deepEqual(Array.from(both.embeddings.dataSync()), Array.from(embeddings.dataSync()));
  assert.deepEqual(Array.from(both.features.dataSync()), Array.from(features.dataSync()));
  assert.deepEqual(both.features.shape, [3, model.backbone.featureDim]);
  tf.dispose([images, both.embeddings, both.features, embeddings, features]);
  const see = createEmbeddingModel('resnet_tiny.test', { embeddingDim: 6, seed: 1 });
  assert.deepEqual(see.geometry, { kind: 'sphere' }, "SEE's head: the unit sphere");
  see.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
