/**
 * Registry and full-size key maps: the key maps of ResNet-50, ViT-S/16, DeiT-S distilled and
 * DINO ViT-S/16 accept exactly the key names and shapes of the real state dicts (dumped by
 * scripts/torch_parity.py from torchvision's resnet50() and the timm-layout modules), and every
 * entry carries its preprocessing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { normalizeImages } from '../../lib/backbones/preprocess';
import { initBackend, tf } from '../../lib/tf';
import type { NamedArray } from '../../lib/backbones/safetensors';
import { getBackboneEntry, keyMapOf, listBackbones } from '../../lib/backbones/registry';
import { resnetFeatureDim } from '../../lib/backbones/resnet';
import { checkCheckpoint, WeightLoadError } from '../../lib/backbones/weights';
import { FIXTURES } from './helpers';

const KEYS = JSON.parse(readFileSync(join(FIXTURES, 'full_size_keys.json'), 'utf8')) as Record<string, Record<string, number[]>>;

function shapesOnly(keys: Record<string, number[]>, drop: (k: string) => boolean = () => false): Map<string, NamedArray> {
  return new Map(
    Object.entries(keys)
      .filter(([k]) => !drop(k))
      .map(([k, shape]) => [k, { dtype: 'F32', shape, data: new Float32Array(0) }]),
  );
}

describe('registry', () => {
  it('lists the four paper backbones and their tiny variants', () => {
    for (const n of [
      'resnet50.tv_in1k',
      'deit_small_distilled_patch16_224.fb_in1k',
      'vit_small_patch16_224.augreg_in21k_ft_in1k',
      'vit_small_patch16_224.dino',
    ]) {
      assert.ok(listBackbones().includes(n), n);
      const e = getBackboneEntry(n);
      assert.equal(e.preprocessing.inputSize, 224);
      assert.ok(e.weightsFile.endsWith(join('data', 'weights', `${n}.safetensors`)));
    }
    assert.deepEqual(getBackboneEntry('vit_small_patch16_224.augreg_in21k_ft_in1k').preprocessing.mean, [0.5, 0.5, 0.5]);
    assert.throws(() => getBackboneEntry('resnet51'), /unknown backbone "resnet51"; known: resnet50\.tv_in1k/);
  });

  it('normalizeImages applies the entry mean and std per channel', async () => {
    await initBackend('wasm', { quiet: true });
    const pre = getBackboneEntry('resnet50.tv_in1k').preprocessing;
    const y = tf.tidy(() => normalizeImages(tf.tensor4d([0, 0.5, 1, 1, 1, 1], [1, 1, 2, 3]), pre));
    const want = [0, 0.5, 1, 1, 1, 1].map((v, i) => (v - pre.mean[i % 3]) / pre.std[i % 3]);
    y.dataSync().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
    y.dispose();
    assert.throws(() => tf.tidy(() => normalizeImages(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, pre)), /expected \[B, H, W, 3\]/);
  });

  it('ResNet-50 key map = torchvision resnet50() state dict minus fc and num_batches_tracked', () => {
    const arch = getBackboneEntry('resnet50.tv_in1k').architecture;
    assert.equal(arch.family === 'resnet' && resnetFeatureDim(arch.config), 2048);
    const map = keyMapOf(arch);
    checkCheckpoint(shapesOnly(KEYS['resnet50.tv_in1k']), map, 'torchvision resnet50');
    assert.equal(map.entries.length, Object.keys(KEYS['resnet50.tv_in1k']).length - 2 - 53);
    // a checkpoint without the (optional) counters and classifier loads too
    checkCheckpoint(
      shapesOnly(KEYS['resnet50.tv_in1k'], (k) => k.startsWith('fc.') || k.endsWith('num_batches_tracked')),
      map,
      'stripped',
    );
  });

  it('ViT-S/16 and DeiT-S distilled key maps = timm state dicts minus heads', () => {
    checkCheckpoint(
      shapesOnly(KEYS.vit_small_patch16_224),
      keyMapOf(getBackboneEntry('vit_small_patch16_224.augreg_in21k_ft_in1k').architecture),
      'vit',
    );
    const deit = keyMapOf(getBackboneEntry('deit_small_distilled_patch16_224.fb_in1k').architecture);
    checkCheckpoint(shapesOnly(KEYS.deit_small_distilled_patch16_224), deit, 'deit');
    assert.ok(deit.entries.some((e) => e.checkpointKey === 'dist_token'));
    assert.deepEqual(deit.entries.find((e) => e.checkpointKey === 'pos_embed')!.spec.torchShape, [1, 198, 384]);
  });

  it('DINO key map takes the headless checkpoint and rejects a ViT with a head', () => {
    const dino = keyMapOf(getBackboneEntry('vit_small_patch16_224.dino').architecture);
    checkCheckpoint(
      shapesOnly(KEYS.vit_small_patch16_224, (k) => k.startsWith('head.')),
      dino,
      'dino',
    );
    assert.throws(() => checkCheckpoint(shapesOnly(KEYS.vit_small_patch16_224), dino, 'dino+head'), WeightLoadError);
    // and the ViT-S/16 file does not fit DeiT (no dist_token, 197 positions)
    const deit = keyMapOf(getBackboneEntry('deit_small_distilled_patch16_224.fb_in1k').architecture);
    assert.throws(
      () => checkCheckpoint(shapesOnly(KEYS.vit_small_patch16_224), deit, 'vit as deit'),
      /missing keys \(1\): dist_token[\s\S]*pos_embed: checkpoint \[1, 197, 384\] vs model \[1, 198, 384\]/,
    );
  });
});
