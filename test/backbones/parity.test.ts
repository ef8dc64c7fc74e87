/**
 * Parity with PyTorch: the tiny random-weight models of scripts/torch_parity.py are loaded
 * strictly from their .safetensors files (F32, BF16, F16) and must reproduce PyTorch's features
 * in eval mode and in training mode with frozen BatchNorm, and the gradients of
 * sum(features_train * probe) for named parameters, to 1e-4.
 */
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { createBackbone, type Backbone } from '../../lib/backbones/backbone';
import type { LoadReport } from '../../lib/backbones/weights';
import { toTorchLayout } from '../../lib/backbones/params';
import { initBackend, tf } from '../../lib/tf';
import { assertClose, FIXTURES, fixture, get, nhwc } from './helpers';

const CASES = [
  { name: 'resnet_tiny.test', file: 'resnet_tiny', large: false },
  { name: 'vit_tiny_patch8_32.test', file: 'vit_tiny', large: true },
  { name: 'deit_tiny_distilled_patch8_32.test', file: 'deit_tiny_distilled', large: true },
  { name: 'vit_tiny_patch8_32.dino_test', file: 'dino_tiny', large: false },
];

before(async () => {
  await initBackend('wasm', { quiet: true });
});

for (const c of CASES) {
  describe(`parity ${c.name}`, () => {
    const io = fixture(`${c.file}.io.safetensors`);
    let backbone: Backbone;
    let report: LoadReport;
    let input: tf.Tensor4D;
    before(() => {
      // nothing frozen, so every named gradient exists on the tfjs side
      backbone = createBackbone(c.name, { freezePatchEmbed: false, seed: 1 });
      report = backbone.loadWeights(join(FIXTURES, `${c.file}.safetensors`));
      input = nhwc(get(io, 'input'));
    });
    after(() => {
      input.dispose();
      backbone.dispose();
    });

    it('loads every key of the checkpoint', () => {
      if (report.loaded.length !== backbone.keyMap.entries.length) throw new Error('not every mapped key was loaded');
    });

    it('matches eval-mode features', () => {
      const f = backbone.features(input, false);
      assertClose(f.dataSync(), get(io, 'features_eval').data, `${c.name} eval`);
      f.dispose();
    });

    it('matches training-mode features (frozen BatchNorm)', () => {
      const f = backbone.features(input, true);
      assertClose(f.dataSync(), get(io, 'features_train').data, `${c.name} train`);
      f.dispose();
    });

    if (c.large) {
      it('matches features at a larger input (position embeddings resampled bicubic)', () => {
        const x = nhwc(get(io, 'input_large'));
        const f = backbone.features(x, false);
        assertClose(f.dataSync(), get(io, 'features_large_eval').data, `${c.name} large`);
        tf.dispose([x, f]);
      });
    }

    it('matches PyTorch gradients of named parameters', () => {
      const probe = tf.tensor(get(io, 'probe').data, get(io, 'probe').shape);
      const keys = [...io.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice(5));
      if (keys.length === 0) throw new Error('fixture has no gradients');
      const vars = keys.map((k) => backbone.params.get(k));
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(backbone.features(input, true), probe)) as tf.Scalar, vars);
      keys.forEach((k, i) => {
        const spec = backbone.params.specs.find((s) => s.key === k)!;
        const g = toTorchLayout(spec, grads[vars[i].name]);
        assertClose(g.dataSync(), get(io, `grad.${k}`).data, `${c.name} grad ${k}`);
        g.dispose();
      });
      tf.dispose([probe, ...Object.values(grads)]);
    });
  });
}
