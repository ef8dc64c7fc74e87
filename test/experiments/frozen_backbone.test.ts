/**
 * Training on a frozen backbone: runExperiment trains head and proxies on cached features, and its
 * evaluation through the head equals the backbone + head model's on the images; batches follow
 * the image sampler, views are drawn per epoch, deterministically; a run whose features changed
 * (another weights file content) is refused on resume and on evaluation; nothing leaks.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { readSafetensors, writeSafetensors } from '../../lib/backbones/safetensors';
import { cacheFeatures } from '../../lib/experiments/cache_features';
import { evaluateRun, runExperiment } from '../../lib/experiments/run_experiment';
import { defaultSpec, type RunSpec } from '../../lib/experiments/run_spec';
import { applyOverrides } from '../../lib/experiments/spec_merge';
import { featureBatchSource } from '../../lib/features/feature_batches';
import { FeatureHeadModel } from '../../lib/features/head_model';
import { readCheckpoint } from '../../lib/train/checkpoint';
import type { Batch } from '../../lib/train/contracts';
import { datasetEvaluator } from '../../lib/train/dataset_evaluator';
import { RunDir } from '../../lib/train/run_dir';
import { initBackend, tf } from '../../lib/tf';
import { writeClassFolders } from '../helpers/class_folders';

const root = mkdtempSync(join(tmpdir(), 'see-frozen-'));
const photos = join(root, 'photos');
const weights = join(root, 'w.safetensors');
const featuresRoot = join(root, 'features');
const runs = join(root, 'runs');
let spec: RunSpec;

before(async () => {
  await initBackend('wasm', { quiet: true });
  await writeClassFolders(photos, 8, 4);
  copyFileSync(join(__dirname, '..', 'fixtures', 'backbones', 'resnet_tiny.safetensors'), weights);
  spec = applyOverrides(defaultSpec(), [
    'name=frozen',
    'dataset=folder',
    `dataRoot=${photos}`,
    'backbone=resnet_tiny.test',
    `weights=${weights}`,
    'imageSize=32',
    'augmentation=glyphs',
    'embeddingDim=8',
    'evalKs=[1,2,4]',
    'evalMetrics=["recall","mapAtR"]',
    'loss.options.n=4',
    'train.epochs=3',
    'train.globalBatch=8',
    'train.lr=0.01',
    'train.warmupEpochs=0',
    'train.proxyLrScale=10',
    'train.frozenBackbone=true',
  ]);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a frozen-backbone run: head and proxies only, evaluated through the head as the backbone + head model scores the images', async () => {
  const tensors = tf.memory().numTensors;
  let imagesScore: Record<string, number> | undefined;
  const { metrics, runDir } = await runExperiment(spec, {
    runPath: join(runs, 'a'),
    featuresRoot,
    onStart: (run) => assert.ok(run.model instanceof FeatureHeadModel),
    onFinish: async (run) => {
      // the same backbone (weights file) under the trained head, on the images themselves
      const model = createEmbeddingModel(spec.backbone, { embeddingDim: 8, weights, head: spec.head });
      const head = (run.model as FeatureHeadModel).head;
      model.head.variables().forEach((v, i) => v.assign(head.variables()[i]));
      imagesScore = (
        await datasetEvaluator({ samples: run.data.split.test, spec: run.data.evalSpec, ks: [1, 2, 4], metrics: ['recall'] })(model, 2)
      ).recallAtK;
      model.dispose();
    },
  });
  assert.equal(metrics.epochs, 3);
  for (const k of ['1', '2', '4'])
    assert.ok(Math.abs(metrics.last.test.recallAtK[k] - (imagesScore as Record<string, number>)[k]) < 1e-9, `R@${k}`);
  const keys = [...readCheckpoint(runDir.checkpointPath).tensors.keys()].filter((k) => !k.startsWith('opt/'));
  assert.deepEqual(keys.sort(), ['loss/0', 'model/last_layer.bias', 'model/last_layer.kernel'], 'the head and the proxies, no backbone');
  const inputs = JSON.parse(readFileSync(join(runDir.path, 'inputs.json'), 'utf8'));
  assert.deepEqual(
    [inputs.features.backbone, inputs.features.weights.file, inputs.features.views, 'files' in inputs.features.images],
    ['resnet_tiny.test', weights, 0, false],
  );
  const again = await evaluateRun(runDir, { featuresRoot });
  assert.deepEqual(again.metrics, metrics.last.test, 'evaluate re-scores the checkpoint through the cached features');
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
});

test("batches: the image sampler's classes, a view drawn per epoch, the same draw for the same seed and from a resumed step", async () => {
  const cache = await cacheFeatures(applyOverrides(spec, ['mode.options.views=4']), { featuresRoot });
  const data = { samples: [...cache.rowOf.keys()].slice(0, 16).map((path, i) => ({ path, label: Math.floor(i / 4) })) };
  const source = featureBatchSource({ cache, samples: data.samples, batchSize: 8, mPerClass: 2 });
  const read = async (epoch: number, seed: number, from = 0): Promise<{ x: number[][]; labels: number[][] }> => {
    const out = { x: [] as number[][], labels: [] as number[][] };
    for (const b of source.epoch(epoch, seed, from) as Iterable<Batch>) {
      assert.deepEqual(b.images.shape, [8, 1, 1, 32]);
      out.x.push([...(await b.images.data())]);
      out.labels.push([...(await b.labels.data())]);
      tf.dispose([b.images, b.labels]);
    }
    return out;
  };
  assert.equal(source.itersPerEpoch, 2);
  const e0 = await read(0, 11);
  assert.deepEqual(await read(0, 11), e0, 'deterministic');
  assert.deepEqual((await read(0, 11, 1)).x, e0.x.slice(1), 'a resumed epoch gives the batches it would have given');
  const otherSeed = await read(0, 12);
  assert.deepEqual(otherSeed.labels, e0.labels, 'the sampler does not depend on the epoch seed');
  assert.notDeepEqual(otherSeed.x, e0.x, 'the views drawn do');
  // every row of a batch is one of the cached views of its image
  const f = 32;
  const v = cache.viewFeatures as Float32Array;
  for (const x of e0.x) {
    for (let k = 0; k < 8; k++) {
      const row = x.slice(k * f, (k + 1) * f);
      const matches = [...cache.rowOf.values()]
        .slice(0, 16)
        .flatMap((r) =>
          [0, 1, 2, 3].filter((view) => v.subarray((r * 4 + view) * f, (r * 4 + view + 1) * f).every((val, j) => val === row[j])),
        );
      assert.equal(matches.length, 1, 'one cached view');
    }
  }
});

test('the weights file changed: the cache is rebuilt, but resuming or evaluating the run trained on the old features is refused', async () => {
  const runPath = join(runs, 'a');
  const tensors = readSafetensors(weights);
  const conv = tensors.get('conv1.weight')!;
  tensors.set('conv1.weight', { ...conv, data: conv.data.map((x) => -x) });
  writeSafetensors(weights, tensors);
  await assert.rejects(
    evaluateRun(new RunDir(runPath), { featuresRoot }),
    /run a was trained on other inputs than these \(.*inputs\.json\), in 1 key\(s\):\n {2}features\.weights\.sha256: "[0-9a-f]+" then, "[0-9a-f]+" now\nits checkpoint belongs to those inputs/,
  );
  await assert.rejects(
    runExperiment(applyOverrides(spec, ['train.epochs=4']), { runPath, resume: true, featuresRoot }),
    /was trained on other inputs than these/,
  );
  assert.ok(existsSync(join(runPath, 'metrics.json')));
});

test('body recall (eval.bodyRecall) is refused on cached features: no backbone pass gives the "body" features there', () => {
  const samples = [
    { path: 'a.png', label: 0 },
    { path: 'b.png', label: 0 },
  ];
  const embed = async (): Promise<never> => {
    throw new Error('not called');
  };
  assert.throws(
    () => datasetEvaluator({ samples, spec: {} as never, ks: [1], embed, bodyRecall: true }),
    /eval\.bodyRecall needs the backbone run on the images/,
  );
  assert.doesNotThrow(() => datasetEvaluator({ samples, spec: {} as never, ks: [1], embed }));
});
