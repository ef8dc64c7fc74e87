/**
 * The small CNN and two-block ViT (test/helpers/small_models.ts) train on wasm: 20 Adam steps
 * on a tiny synthetic classification set, the loss goes down, and no tensor is left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { assertNoTensorLeak } from '../helpers/leaks';
import { smallCnn, smallVit, syntheticClassification, type SmallModel } from '../helpers/small_models';

const SIZE = 16;
const CLASSES = 4;

async function trains(make: () => SmallModel): Promise<{ losses: number[]; model: SmallModel }> {
  await initBackend('wasm', { quiet: true });
  const data = syntheticClassification(32, SIZE, CLASSES);
  const model = make();
  const losses = await assertNoTensorLeak(model.name, () => model.trainStep(data.x, data.labels), 20);
  tf.dispose([data.x, data.labels]);
  for (const l of losses) assert.ok(Number.isFinite(l), `${model.name}: loss ${l}`);
  const first = losses[0];
  const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
  assert.ok(last < 0.5 * first, `${model.name}: loss went from ${first} to ${last} (mean of the last 3), expected below half`);
  return { losses, model };
}

test('small CNN (stride-2 convs, explicit padding, training-mode batch norm) trains 20 steps on wasm', async () => {
  const { model } = await trains(() => smallCnn({ imageSize: SIZE, numClasses: CLASSES, seed: 1 }));
  const [runMean] = await model.state[0].data();
  assert.notEqual(runMean, 0, 'batch-norm running mean never moved');
  const input = tf.zeros([2, SIZE, SIZE, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const evalLogits = model.forward(input, false); // uses the running statistics
  assert.deepEqual(evalLogits.shape, [2, CLASSES]);
  assert.equal(tf.memory().numTensors, before + 1, 'eval forward left more than its logits');
  tf.dispose([evalLogits, input]);
  model.dispose();
});

test('two-block ViT (fused qkv, exact GELU, layer norm) trains 20 steps on wasm', async () => {
  const { model } = await trains(() => smallVit({ imageSize: SIZE, numClasses: CLASSES, seed: 2 }));
  const before = tf.memory().numTensors;
  model.dispose();
  assert.ok(tf.memory().numTensors < before, 'dispose freed nothing');
});
