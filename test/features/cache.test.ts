/**
 * The features cache: computed once and reused, the backbone's own features, rebuilt (with the
 * reason) when the weights file, an image or a cache file changes, augmented views deterministic.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { readSafetensors, writeSafetensors } from '../../lib/backbones/safetensors';
import { loadBatches } from '../../lib/data/loader';
import { sequentialBatches } from '../../lib/data/sampler';
import { buildData } from '../../lib/experiments/build_run';
import { cacheFeatures } from '../../lib/experiments/cache_features';
import { defaultSpec, type RunSpec } from '../../lib/experiments/run_spec';
import { applyOverrides } from '../../lib/experiments/spec_merge';
import { initBackend, tf } from '../../lib/tf';
import { greyPng, writeClassFolders } from '../helpers/class_folders';

const root = mkdtempSync(join(tmpdir(), 'see-features-'));
const photos = join(root, 'photos');
const weights = join(root, 'resnet_tiny.safetensors');
const featuresRoot = join(root, 'features');
let spec: RunSpec;

before(async () => {
  await initBackend('wasm', { quiet: true });
  await writeClassFolders(photos, 6, 4);
  copyFileSync(join(__dirname, '..', 'fixtures', 'backbones', 'resnet_tiny.safetensors'), weights);
  spec = applyOverrides(defaultSpec(), [
    'dataset=folder',
    `dataRoot=${photos}`,
    'backbone=resnet_tiny.test',
    `weights=${weights}`,
    'imageSize=32',
    'augmentation=glyphs',
    'embeddingDim=8',
    'train.globalBatch=6',
    'train.frozenBackbone=true',
  ]);
});
after(() => rmSync(root, { recursive: true, force: true }));

test("computed once, then reused: the same numbers, the evaluation transform's backbone features", async () => {
  const tensors = tf.memory().numTensors;
  const first = await cacheFeatures(spec, { featuresRoot });
  assert.deepEqual(
    [first.status.action, first.featureDim, first.evalFeatures.length, first.viewFeatures],
    ['built', 32, 24 * 32, undefined],
  );
  const second = await cacheFeatures(spec, { featuresRoot });
  assert.deepEqual(
    [second.status.action, second.status.reasons, second.dir, second.manifest.built],
    ['reused', [], first.dir, first.manifest.built],
  );
  assert.deepEqual(second.evalFeatures, first.evalFeatures);
  assert.match(first.dir, /features\/folder-resnet_tiny\.test-eval-[0-9a-f]{10}$/);
  const m = JSON.parse(readFileSync(join(first.dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(
    [m.identity.backbone, m.identity.weights.file, m.identity.images.train, m.identity.images.test, m.files['eval.f32'].shape],
    ['resnet_tiny.test', weights, 12, 12, [24, 32]],
  );
  // row r holds what the backbone (weights loaded) gives image r under the evaluation transform
  const data = buildData(spec);
  const model = createEmbeddingModel('resnet_tiny.test', { embeddingDim: 8, weights });
  const samples = [...data.split.train, ...data.split.test];
  for await (const b of loadBatches({ samples, batches: sequentialBatches(samples.length, 7).slice(0, 2), spec: data.evalSpec })) {
    const f = model.features(b.images, false);
    const got = await f.data();
    b.indices.forEach((row, k) => {
      for (let j = 0; j < 32; j++)
        assert.ok(Math.abs(got[k * 32 + j] - first.evalFeatures[row * 32 + j]) < 1e-4, `image ${row} feature ${j}`);
    });
    tf.dispose([f, b.images, b.labels]);
  }
  model.dispose();
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
});

test('stale caches are rebuilt, each with its reason: the weights file, an image, a cache file', async () => {
  const before = await cacheFeatures(spec, { featuresRoot });
  // the same weights file path, other content
  const tensors = readSafetensors(weights);
  const conv = tensors.get('conv1.weight')!;
  tensors.set('conv1.weight', { ...conv, data: conv.data.map((v) => v * 1.5) });
  writeSafetensors(weights, tensors);
  const rebuilt = await cacheFeatures(spec, { featuresRoot });
  assert.equal(rebuilt.status.action, 'rebuilt');
  assert.equal(rebuilt.dir, before.dir, 'the same cache folder, detected by its manifest');
  assert.match(rebuilt.status.reasons.join('\n'), /^weights\.sha256: "[0-9a-f]{64}" in the cache, "[0-9a-f]{64}" now$/);
  assert.notDeepEqual(rebuilt.evalFeatures, before.evalFeatures);
  assert.equal((await cacheFeatures(spec, { featuresRoot })).status.action, 'reused');
  // an image replaced by another one
  writeFileSync(join(photos, 'c03', '1.png'), await greyPng(0, 9, 40));
  const images = await cacheFeatures(spec, { featuresRoot });
  assert.deepEqual([images.status.action, images.status.reasons.map((r) => r.split(':')[0])], ['rebuilt', ['images.files']]);
  // a cache file changed behind the manifest's back
  const file = join(images.dir, 'eval.f32');
  const bytes = readFileSync(file);
  bytes[5] ^= 0xff;
  writeFileSync(file, bytes);
  const corrupt = await cacheFeatures(spec, { featuresRoot });
  assert.equal(corrupt.status.action, 'rebuilt');
  assert.match(corrupt.status.reasons[0], /eval\.f32 does not match its SHA-256 in the manifest \(changed or corrupt\)/);
  assert.deepEqual(corrupt.evalFeatures, images.evalFeatures);
  writeFileSync(file, bytes.subarray(0, 100));
  assert.match(
    (await cacheFeatures(spec, { featuresRoot })).status.reasons[0],
    /eval\.f32 has 100 bytes, the manifest says 3072 \(truncated or removed\)/,
  );
});

test('augmented views: n per training image, different from each other and from the evaluation transform, the same when rebuilt', async () => {
  const views = applyOverrides(spec, ['mode.options.views=3']);
  const a = await cacheFeatures(views, { featuresRoot });
  assert.equal(a.status.action, 'built');
  assert.match(a.dir, /-views3-/);
  const v = a.viewFeatures as Float32Array;
  assert.equal(v.length, 12 * 3 * 32);
  const row = (arr: Float32Array, i: number): number[] => [...arr.subarray(i * 32, (i + 1) * 32)];
  assert.notDeepEqual(row(v, 0), row(v, 1), 'view 0 and view 1 of image 0 differ');
  assert.notDeepEqual(row(v, 0), row(a.evalFeatures, 0), 'a view is not the evaluation transform');
  rmSync(a.dir, { recursive: true });
  const b = await cacheFeatures(views, { featuresRoot });
  assert.equal(b.status.action, 'built');
  assert.deepEqual(b.viewFeatures, a.viewFeatures, 'views are keyed by (viewSeed, view, batch, position): the same on a rebuild');
  const otherSeed = await cacheFeatures(applyOverrides(views, ['mode.options.viewSeed=1']), { featuresRoot });
  assert.notEqual(otherSeed.dir, a.dir);
  assert.notDeepEqual(otherSeed.viewFeatures, a.viewFeatures);
});
