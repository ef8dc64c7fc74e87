/**
 * The data-parallel step (lib/train/parallel): with 2 and 3 worker threads it equals the
 * single-thread trainStep up to float rounding, same batch and seeds, for the demo network with
 * SEE Proxy-Anchor (expansion on) and a small ViT with Proxy-Anchor: loss values, and every weight
 * and proxy after two AdamW steps. Evaluation embeddings on the workers equal the main thread's.
 * Plus the batch sharding and SEE_WORKERS parsing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { BackboneEmbeddingModel, createEmbeddingModel } from '../../lib/backbones/model';
import { ProxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { AdamW } from '../../lib/train/adamw';
import { buildParamGroups } from '../../lib/train/param_groups';
import { trainStep, type StepParts } from '../../lib/train/train_step';
import { openStepper, parallelEmbedder } from '../../lib/train/parallel/stepper';
import { shardRows } from '../../lib/train/parallel/shards';
import { trainWorkerCount } from '../../lib/train/parallel/worker_count';
import type { MetricLoss } from '../../lib/types';

interface Setup { backbone: string; size: number; batch: number; dim: number; loss: () => MetricLoss }

function parts(s: Setup): StepParts {
  const model = createEmbeddingModel(s.backbone, { embeddingDim: s.dim, seed: 5 });
  const loss = s.loss();
  return { model, loss, optimizer: new AdamW(buildParamGroups(model, loss, 1e-4)), clip: { kind: 'value', value: 10 } };
}

async function weightsOf(p: StepParts): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of p.model.namedWeights()) out.set(k, (await v.data()) as Float32Array);
  for (const [i, v] of p.loss.trainableVariables.entries()) out.set(`loss.${i}`, (await v.data()) as Float32Array);
  return out;
}

function dispose(p: StepParts): void {
  p.optimizer.dispose();
  p.loss.dispose();
  p.model.dispose();
}

const LRS = { backbone: 1e-3, head: 1e-3, proxies: 1e-1 };

async function compare(s: Setup, workers: number): Promise<void> {
  await initBackend('wasm', { quiet: true });
  const images = tf.randomNormal([s.batch, s.size, s.size, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: s.batch }, (_, i) => Math.floor(i / 2) % 20), 'int32');
  const batch = { images, labels };
  const single = parts(s);
  const parallel = parts(s);
  const stepper = await openStepper(parallel, workers);
  try {
    assert.equal(stepper.workers, workers);
    for (let step = 0; step < 2; step++) {
      const a = await trainStep(single, batch, LRS, { epoch: 0, step });
      const b = await stepper.step(batch, LRS, { epoch: 0, step });
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)), `${s.backbone} step ${step}: loss ${a} (1 thread) vs ${b} (${workers} workers)`);
    }
    const wa = await weightsOf(single);
    const wb = await weightsOf(parallel);
    assert.equal(wa.size, wb.size);
    let worst = 0;
    let moved = 0;
    for (const [k, va] of wa) {
      const vb = wb.get(k)!;
      for (let i = 0; i < va.length; i++) worst = Math.max(worst, Math.abs(va[i] - vb[i]));
      moved += va.some((v, i) => v !== vb[i]) ? 1 : 0;
    }
    // two AdamW steps move a weight by about 2 lr; rounding of the per-shard sums moves it far less
    assert.ok(worst <= 2e-5, `${s.backbone}: weights after two steps differ by up to ${worst} (1 thread vs ${workers} workers)`);
    // no tensors left behind by a parallel step (AdamW's slots exist after the first one)
    const before = tf.memory().numTensors;
    await stepper.step(batch, LRS, { epoch: 0, step: 2 });
    assert.equal(tf.memory().numTensors, before, 'a parallel step leaked tensors');
    const embed = parallelEmbedder(parallel.model);
    assert.ok(embed, 'no worker embedder while the stepper is open');
    const onWorkers = await embed(images);
    const z = parallel.model.embed(images, false);
    const onMain = (await z.data()) as Float32Array;
    z.dispose();
    let d = 0;
    onMain.forEach((v, i) => { d = Math.max(d, Math.abs(v - onWorkers[i])); });
    assert.ok(d <= 1e-5, `${s.backbone}: eval embeddings on workers differ from the main thread by ${d} (${moved} tensors moved)`);
  } finally {
    await stepper.close();
  }
  assert.equal(parallelEmbedder(parallel.model), undefined, 'embedder left registered after close');
  dispose(single);
  dispose(parallel);
  tf.dispose([images, labels]);
}

test('2 workers: demo network with SEE Proxy-Anchor equals the single-thread step', { timeout: 300_000 }, async () => {
  await compare({
    backbone: 'resnet_small.demo', size: 32, batch: 24, dim: 64,
    loss: () => new SeeProxyAnchorLoss({ numClasses: 20, embeddingDim: 64, n: 8, lambda: 0.2, plan: 1, threshold: 0.4, seed: 2 }),
  }, 2);
});

test('3 workers: small ViT with Proxy-Anchor equals the single-thread step (uneven shares)', { timeout: 300_000 }, async () => {
  await compare({
    backbone: 'vit_tiny_patch8_32.test', size: 32, batch: 10, dim: 16,
    loss: () => new ProxyAnchorLoss({ numClasses: 20, embeddingDim: 16, seed: 2 }),
  }, 3);
});

test('a worker that fails at start reports its error instead of hanging', { timeout: 120_000 }, async () => {
  await initBackend('wasm', { quiet: true });
  const model = createEmbeddingModel('resnet_small.demo', { embeddingDim: 16, seed: 1 });
  const wrong = new BackboneEmbeddingModel(model.backbone, model.head, { backbone: 'no_such_net.test', options: { embeddingDim: 16 } });
  const loss = new ProxyAnchorLoss({ numClasses: 4, embeddingDim: 16 });
  const optimizer = new AdamW(buildParamGroups(wrong, loss, 0));
  await assert.rejects(openStepper({ model: wrong, loss, optimizer, clip: { kind: 'none' } }, 2), /training worker \d: unknown backbone "no_such_net.test"/);
  optimizer.dispose();
  loss.dispose();
  model.dispose();
});

test('shardRows splits a batch into contiguous near-equal shares', () => {
  assert.deepEqual(shardRows(10, 3), [{ start: 0, end: 4 }, { start: 4, end: 7 }, { start: 7, end: 10 }]);
  assert.deepEqual(shardRows(2, 4), [{ start: 0, end: 1 }, { start: 1, end: 2 }]);
  assert.deepEqual(shardRows(0, 2), []);
  assert.throws(() => shardRows(5, 0), /workers=0/);
});

test('SEE_WORKERS: default the cores, 1 for none, bad values named', () => {
  assert.ok(trainWorkerCount(undefined) >= 1);
  assert.equal(trainWorkerCount('1'), 1);
  assert.equal(trainWorkerCount(' 3 '), 3);
  assert.throws(() => trainWorkerCount('0'), /SEE_WORKERS="0"/);
  assert.throws(() => trainWorkerCount('two'), /SEE_WORKERS="two": expected a positive integer/);
});
