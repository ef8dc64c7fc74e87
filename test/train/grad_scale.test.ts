/**
 * The official runs' gradient scale (issue 14, item 2): two devices that each compute the loss on
 * the gathered batch give the backbone and head half of the full-batch gradient (DDP averages) and
 * the proxies all of it; the scale comes before the clamp. A model with two groups (backbone `a`,
 * head `b`) and a loss with proxies `p`, whose gradients are known by hand: a 16, b 30, p 16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import type { EmbeddingModel, MetricLoss } from '../../lib/types';
import { AdamW } from '../../lib/train/adamw';
import type { Batch, BatchSource } from '../../lib/train/contracts';
import { train } from '../../lib/train/loop';
import { buildParamGroups, groupGradientScales } from '../../lib/train/param_groups';
import { RunDir } from '../../lib/train/run_dir';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../lib/train/train_config';
import { trainStep } from '../../lib/train/train_step';

const root = mkdtempSync(join(tmpdir(), 'see-gradscale-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await initBackend('cpu', { quiet: true });
});

/** embeddings [[16 a], [30 b]]: d sum / d a = 16, d sum / d b = 30 */
class TwoGroupModel implements EmbeddingModel {
  readonly embeddingDim = 2;
  readonly a = tf.variable(tf.tensor1d([0.5, -0.5]));
  readonly b = tf.variable(tf.tensor1d([1, 2]));
  embed(): tf.Tensor2D {
    return tf.tidy(() => tf.stack([tf.mul(this.a, 16), tf.mul(this.b, 30)]) as tf.Tensor2D); // [2, 2]
  }
  variableGroups(): { backbone: tf.Variable[]; head: tf.Variable[] } {
    return { backbone: [this.a], head: [this.b] };
  }
  namedWeights(): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([
      ['a', this.a],
      ['b', this.b],
    ]);
  }
  dispose(): void {
    tf.dispose([this.a, this.b]);
  }
}

/** sum(embeddings) + 16 sum(p): d / d p = 16 */
class ProxySumLoss implements MetricLoss {
  readonly name = 'proxy-sum';
  readonly p = tf.variable(tf.tensor1d([0.1, 0.2]));
  get trainableVariables(): tf.Variable[] {
    return [this.p];
  }
  compute(embeddings: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => tf.add(tf.sum(embeddings), tf.mul(tf.sum(this.p), 16)) as tf.Scalar);
  }
  dispose(): void {
    this.p.dispose();
  }
}

/** AdamW that records the gradients each step receives (after scaling and clipping) */
class RecordingAdamW extends AdamW {
  readonly seen: Record<string, number[]>[] = [];
  override step(grads: tf.NamedTensorMap, lrs: Readonly<Record<string, number>>): void {
    this.seen.push(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])));
    super.step(grads, lrs);
  }
}

const batch = (): Batch => ({ images: tf.zeros([2, 1, 1, 3]) as tf.Tensor4D, labels: tf.tensor1d([0, 1], 'int32') });

async function stepGradients(worldSize: number | undefined, clip: TrainConfig['clip']): Promise<Record<string, number[]>> {
  const model = new TwoGroupModel();
  const loss = new ProxySumLoss();
  const optimizer = new RecordingAdamW(buildParamGroups(model, loss, 0));
  const b = batch();
  const before = tf.memory().numTensors;
  await trainStep({ model, loss, optimizer, clip, gradScale: worldSize === undefined ? undefined : groupGradientScales(worldSize) }, b, {
    backbone: 1,
    head: 1,
    proxies: 1,
  });
  const slots = 4 * 3 - 6; // m and v of a, b, p (two each), created by the first step
  assert.equal(tf.memory().numTensors, before + slots, 'the step frees its gradients, scaled and clipped copies');
  const [seen] = optimizer.seen;
  const out = { a: seen[model.a.name], b: seen[model.b.name], p: seen[loss.p.name] };
  tf.dispose([b.images, b.labels]);
  optimizer.dispose();
  model.dispose();
  loss.dispose();
  return out;
}

test('world size 2: backbone and head gradients halved before the clamp at 10, proxies unchanged', async () => {
  const clamp = { kind: 'value', value: 10 } as const;
  // unscaled: 16, 30, 16 all clamp to 10
  assert.deepEqual(await stepGradients(1, clamp), { a: [10, 10], b: [10, 10], p: [10, 10] });
  // halved first: a 8 (under the clamp), b 15 -> 10; p keeps 16 -> 10
  assert.deepEqual(await stepGradients(2, clamp), { a: [8, 8], b: [10, 10], p: [10, 10] });
  assert.deepEqual(await stepGradients(2, { kind: 'none' }), { a: [8, 8], b: [15, 15], p: [16, 16] });
  assert.deepEqual(await stepGradients(undefined, { kind: 'none' }), { a: [16, 16], b: [30, 30], p: [16, 16] });
  assert.deepEqual(groupGradientScales(2), { backbone: 0.5, head: 0.5, proxies: 1 });
  assert.throws(() => groupGradientScales(0), /worldSize=0, expected an integer >= 1/);
});

test('train() applies train.worldSize: one AdamW step moves each variable by lr g / (|g| + eps) with the scaled g', async () => {
  const source: BatchSource = {
    itersPerEpoch: 1,
    *epoch(): Iterable<Batch> {
      yield batch();
    },
  };
  const run = async (worldSize: number): Promise<{ a: number[]; b: number[]; p: number[] }> => {
    const model = new TwoGroupModel();
    const loss = new ProxySumLoss();
    const config: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      epochs: 1,
      lr: 1,
      globalBatch: 2,
      lrBatch: 2,
      worldSize,
      fcLrScale: 1,
      proxyLrScale: 1,
      warmupEpochs: 0,
      weightDecay: 0,
      adamw: { beta1: 0.9, beta2: 0.999, eps: 100 },
      clip: { kind: 'none' },
      checkpointEvery: 1,
    };
    await train({
      config,
      model,
      loss,
      data: source,
      evaluate: async () => ({ recallAtK: { 1: 1 } }),
      runDir: new RunDir(join(root, `w${worldSize}`)),
    });
    const out = { a: Array.from(model.a.dataSync()), b: Array.from(model.b.dataSync()), p: Array.from(loss.p.dataSync()) };
    model.dispose();
    loss.dispose();
    return out;
  };
  const near = (got: number[], want: number[]): boolean => got.every((v, i) => Math.abs(v - want[i]) < 1e-6);
  const two = await run(2);
  assert.ok(near(two.a, [0.5 - 8 / 108, -0.5 - 8 / 108]), `a ${two.a}`);
  assert.ok(near(two.b, [1 - 15 / 115, 2 - 15 / 115]), `b ${two.b}`);
  assert.ok(near(two.p, [0.1 - 16 / 116, 0.2 - 16 / 116]), `p ${two.p}`);
  const one = await run(1);
  assert.ok(near(one.a, [0.5 - 16 / 116, -0.5 - 16 / 116]), `a ${one.a}`);
});
