/**
 * Strict loading: a missing, renamed, extra or wrongly shaped key fails loudly, with one error
 * listing every problem, and nothing is assigned; known-unused keys (classifier heads,
 * num_batches_tracked) are accepted only under their exact names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBackbone, type Backbone } from '../../lib/backbones/backbone';
import type { NamedArray } from '../../lib/backbones/safetensors';
import { loadCheckpoint, WeightLoadError } from '../../lib/backbones/weights';
import { initBackend, tf } from '../../lib/tf';
import { fixture } from './helpers';

function copy(m: Map<string, NamedArray>): Map<string, NamedArray> {
  return new Map([...m].map(([k, v]) => [k, { ...v, shape: [...v.shape] }]));
}

function loadError(b: Backbone, ckpt: Map<string, NamedArray>): WeightLoadError {
  try {
    loadCheckpoint(b.params, ckpt, b.keyMap, 'test.safetensors');
  } catch (err) {
    assert.ok(err instanceof WeightLoadError, `expected WeightLoadError, got ${String(err)}`);
    return err;
  }
  throw new Error('strict load accepted a bad checkpoint');
}

describe('strict weight loading', () => {
  let resnet: Backbone;
  let vit: Backbone;
  let dino: Backbone;
  const resnetCkpt = fixture('resnet_tiny.safetensors');
  const vitCkpt = fixture('vit_tiny.safetensors');
  before(async () => {
    await initBackend('wasm', { quiet: true });
    resnet = createBackbone('resnet_tiny.test');
    vit = createBackbone('vit_tiny_patch8_32.test');
    dino = createBackbone('vit_tiny_patch8_32.dino_test');
  });
  after(() => [resnet, vit, dino].forEach((b) => b.dispose()));

  it('accepts the exact checkpoint, ignoring only the named unused keys', () => {
    const report = loadCheckpoint(resnet.params, resnetCkpt, resnet.keyMap, 'resnet');
    assert.deepEqual(
      report.ignored.sort(),
      [...resnetCkpt.keys()].filter((k) => k.startsWith('fc.') || k.endsWith('num_batches_tracked')).sort(),
    );
    assert.ok(report.ignored.includes('fc.weight') && report.ignored.includes('layer1.0.bn1.num_batches_tracked'));
    assert.equal(report.loaded.length + report.ignored.length, resnetCkpt.size);
  });

  it('lists a missing key', () => {
    const c = copy(resnetCkpt);
    c.delete('layer2.0.conv2.weight');
    const e = loadError(resnet, c);
    assert.deepEqual(e.missing, ['layer2.0.conv2.weight']);
    assert.deepEqual([e.unexpected, e.mismatched], [[], []]);
    assert.match(e.message, /missing keys \(1\): layer2\.0\.conv2\.weight/);
  });

  it('lists a renamed key as missing and unexpected', () => {
    const c = copy(vitCkpt);
    c.set('blocks.0.attn.qkv.w', c.get('blocks.0.attn.qkv.weight')!);
    c.delete('blocks.0.attn.qkv.weight');
    const e = loadError(vit, c);
    assert.deepEqual(e.missing, ['blocks.0.attn.qkv.weight']);
    assert.deepEqual(e.unexpected, ['blocks.0.attn.qkv.w']);
  });

  it('lists an extra key, including a classifier head the format does not have', () => {
    const e = loadError(dino, vitCkpt); // the timm ViT file has head.*, a DINO checkpoint does not
    assert.deepEqual(e.unexpected.sort(), ['head.bias', 'head.weight']);
    const c = copy(resnetCkpt);
    c.set('layer9.0.conv1.weight', c.get('conv1.weight')!);
    assert.deepEqual(loadError(resnet, c).unexpected, ['layer9.0.conv1.weight']);
  });

  it('lists a shape mismatch with both shapes', () => {
    const c = copy(vitCkpt);
    const pos = c.get('pos_embed')!;
    c.set('pos_embed', { ...pos, shape: [1, 1, pos.data.length] });
    const e = loadError(vit, c);
    assert.equal(e.mismatched.length, 1);
    assert.match(e.mismatched[0], /^pos_embed: checkpoint \[1, 1, \d+\] vs model \[1, 17, 16\]$/);
  });

  it('reports all problems at once and assigns nothing', () => {
    const before = tf.tidy(() => vit.params.get('norm.weight').dataSync().slice());
    const c = copy(vitCkpt);
    c.delete('norm.bias');
    c.set('extra', c.get('norm.weight')!);
    c.set('cls_token', { ...c.get('cls_token')!, shape: [1, 16, 1] });
    const e = loadError(vit, c);
    assert.deepEqual([e.missing, e.unexpected, e.mismatched.length], [['norm.bias'], ['extra'], 1]);
    assert.deepEqual(vit.params.get('norm.weight').dataSync().slice(), before);
  });
});
