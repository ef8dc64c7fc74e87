/**
 * Training the tiny models: 20 Adam steps of each leave no tensor behind (after a warm-up
 * step), the loss goes down, BatchNorm running statistics never move, BatchNorm scale/shift
 * train only in 'frozen-stats' mode, and a frozen patch embedding stays put. Runs on wasm
 * when its Conv2DBackpropFilter kernel is registered (lib/backend/wasm_kernels), else on cpu.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createEmbeddingModel, type ModelOptions } from '../../lib/backbones/model';
import { initBackend, tf } from '../../lib/tf';
import { assertNoTensorLeak } from '../helpers/leaks';

const MODELS: Array<{ name: string; size: number; options: Omit<ModelOptions, 'embeddingDim'> }> = [
  { name: 'resnet_tiny.test', size: 48, options: { batchNorm: 'frozen-stats' } },
  { name: 'vit_tiny_patch8_32.test', size: 32, options: { freezePatchEmbed: true } },
  { name: 'deit_tiny_distilled_patch8_32.test', size: 32, options: { freezePatchEmbed: true } },
  { name: 'vit_tiny_patch8_32.dino_test', size: 32, options: { freezePatchEmbed: false } },
];

let backend = '';

function snapshot(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

function changed(a: Float32Array, b: Float32Array): boolean {
  return a.some((v, i) => v !== b[i]);
}

describe('training the tiny backbones', () => {
  before(async () => {
    await initBackend('wasm', { quiet: true });
    if (tf.getKernel('Conv2DBackpropFilter', 'wasm') == null) await initBackend('cpu', { quiet: true });
    backend = tf.getBackend();
    console.log(`# training tests on backend ${backend}`);
  });

  for (const m of MODELS) {
    it(`${m.name}: 20 Adam steps, no leak, loss goes down, frozen parts stay`, async () => {
      const model = createEmbeddingModel(m.name, { ...m.options, embeddingDim: 4, seed: 3 });
      const images = tf.randomNormal([4, m.size, m.size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const target = tf.tidy(() => tf.div(tf.randomNormal([4, 4], 0, 1, 'float32', 8), 2));
      const { backbone, head } = model.variableGroups();
      const optimizer = tf.train.adam(3e-3);
      const named = model.namedWeights();
      const frozenKeys = [...named.keys()].filter(
        (k) => /running_(mean|var)$/.test(k) || (m.options.freezePatchEmbed && k.includes('patch_embed')),
      );
      const frozenBefore = frozenKeys.map((k) => snapshot(named.get(k)!));
      const trainedKey = m.name.startsWith('resnet')
        ? 'body.bn1.weight'
        : m.options.freezePatchEmbed
          ? 'body.blocks.0.norm1.weight'
          : 'body.patch_embed.proj.weight';
      const trainedBefore = snapshot(named.get(trainedKey)!);

      const losses = await assertNoTensorLeak(
        m.name,
        async () => {
          const cost = optimizer.minimize(() => tf.mean(tf.squaredDifference(model.embed(images, true), target)) as tf.Scalar, true, [
            ...backbone,
            ...head,
          ]);
          const v = (await cost!.data())[0];
          cost!.dispose();
          return v;
        },
        20,
      );
      assert.ok(losses[losses.length - 1] < losses[0] * 0.9, `${m.name}: loss ${losses[0]} -> ${losses[losses.length - 1]}`);
      frozenKeys.forEach((k, i) => assert.ok(!changed(frozenBefore[i], snapshot(named.get(k)!)), `${k} moved`));
      assert.ok(frozenKeys.length > 0 || !m.options.freezePatchEmbed);
      assert.ok(changed(trainedBefore, snapshot(named.get(trainedKey)!)), `${trainedKey} did not train`);
      optimizer.dispose();
      tf.dispose([images, target]);
      model.dispose();
    });
  }

  it("ResNet batchNorm 'frozen' trains no BatchNorm parameter", () => {
    const model = createEmbeddingModel('resnet_tiny.test', { embeddingDim: 4, batchNorm: 'frozen' });
    const trainable = new Set(model.variableGroups().backbone);
    for (const [k, v] of model.namedWeights()) {
      const isBn = /(bn\d|downsample\.1)\./.test(k);
      if (k.startsWith('body.')) assert.equal(trainable.has(v as tf.Variable), !isBn, k);
    }
    model.dispose();
  });
});
