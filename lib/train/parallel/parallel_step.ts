/**
 * The data-parallel training step: each worker runs the network on its share of the batch, the
 * main thread gathers the embeddings and computes the loss on the whole batch (SEE's expansion and
 * Proxy-Anchor need every row, as the official code all-gathers them across GPUs), sends each worker
 * dL/dE of its rows, sums the workers' weight gradients in worker order, adds the loss's own
 * (proxies), and applies clipping and AdamW once, as trainStep does. The workers get the new weights
 * before their next step. Equal to trainStep up to float rounding: the per-shard sums of the weight
 * gradients are added in another order.
 */
import { tf } from '../../tf';
import { applyStep, type StepParts } from '../train_step';
import type { Batch } from '../contracts';
import { shardRows } from './shards';
import type { TrainWorkers } from './worker_pool';

/** element-wise sum of the workers' gradients of one weight, in worker order; undefined when none got one */
function sumInOrder(parts: Array<Float32Array | null>): Float32Array | undefined {
  let sum: Float32Array | undefined;
  for (const g of parts) {
    if (!g) continue;
    if (!sum) sum = g.slice();
    else for (let i = 0; i < sum.length; i++) sum[i] += g[i];
  }
  return sum;
}

export async function parallelTrainStep(
  workers: TrainWorkers,
  parts: StepParts,
  batch: Batch,
  lrs: Readonly<Record<string, number>>,
  where: { epoch: number; step: number } = { epoch: 0, step: 0 },
): Promise<number> {
  const { loss } = parts;
  const shape = batch.images.shape;
  const shards = shardRows(shape[0], workers.count);
  await workers.pushWeights();
  const images = (await batch.images.data()) as Float32Array;
  const rows = await workers.forward(images, shape, shards);
  const dim = rows[0].length / (shards[0].end - shards[0].start);
  const all = new Float32Array(shape[0] * dim);
  rows.forEach((r, i) => all.set(r, shards[i].start * dim));
  const gathered = tf.tensor2d(all, [shape[0], dim]); // [B, D]
  const embeddings = tf.variable(gathered, true); // [B, D]
  gathered.dispose();
  let lossValue = NaN;
  let dE: Float32Array;
  let lossGrads: tf.NamedTensorMap;
  try {
    const { value, grads } = tf.variableGrads(() => loss.compute(embeddings as tf.Tensor2D, batch.labels), [embeddings, ...loss.trainableVariables]);
    const gE = grads[embeddings.name];
    delete grads[embeddings.name];
    lossGrads = grads;
    try {
      lossValue = (await value.data())[0];
      dE = gE ? (await gE.data()) as Float32Array : new Float32Array(all.length);
    } finally {
      tf.dispose([value, gE]);
    }
  } finally {
    embeddings.dispose();
  }
  // the workers wait inside their tapes: always release them, also before a non-finite loss stops training
  const fromWorkers = await workers.backward(shards.map((s) => dE.subarray(s.start * dim, s.end * dim)));
  const grads: tf.NamedTensorMap = { ...lossGrads };
  workers.trainable.forEach((v, k) => {
    const sum = sumInOrder(fromWorkers.map((w) => w[k]));
    if (sum) grads[v.name] = tf.tensor(sum, v.shape, 'float32');
  });
  applyStep(parts, lossValue, grads, lrs, where);
  workers.markStale();
  return lossValue;
}
