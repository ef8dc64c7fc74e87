/**
 * The demo's runs (`npm run demo`, notebooks 04, 05 and 07): the small bottleneck ResNet of the
 * backbone registry (`resnet_small.demo`, 32 px glyphs, from scratch) with a 64-d head, on the
 * glyphs benchmark, with the glyph transforms (mild crops, no flips). Any registered loss can be
 * trained this way; SEE gets the official De^128 settings (n 8, lambda 0.2, plan 1, 0 -> 0.4).
 */
import { getBackboneEntry, type BackboneEntry } from '../backbones/registry';
import { DEFAULT_HEAD } from '../backbones/heads';
import { resolveLoss, type LossName } from '../losses/registry';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../train/train_config';
import { officialDeit128 } from './recipes';
import { DEFAULT_EVAL, DEFAULT_MODE, type RunSpec } from './run_spec';

/** The demo's small bottleneck ResNet (one block per stage) for 32 px glyphs, trained from scratch. */
export const DEMO_BACKBONE: BackboneEntry = getBackboneEntry('resnet_small.demo');
export const DEMO_EMBEDDING_DIM = 64;

export function demoConfig(epochs: number, seed: number): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    epochs,
    lr: 1e-3, // from scratch: 100x the official fine-tuning lr
    globalBatch: 180,
    fcLrScale: 1,
    proxyLrScale: 100, // proxies at 0.1, the official proxy lr
    warmupEpochs: 0, // nothing pretrained to protect
    weightDecay: 1e-4,
    evalFreq: 2,
    seed,
  };
}

/** The spec of one demo run: what its config.json holds, and what `see-kit evaluate` rebuilds. */
export function demoSpec(loss: LossName, epochs: number, seed: number, dataRoot: string): RunSpec {
  return {
    name: `demo-${loss}`,
    row: null,
    dataset: 'glyphs',
    dataRoot,
    backbone: DEMO_BACKBONE.name,
    weights: 'none',
    embeddingDim: DEMO_EMBEDDING_DIM,
    head: structuredClone(DEFAULT_HEAD),
    loss: resolveLoss(loss, loss === 'see_proxy_anchor' ? officialDeit128('cub').see.value : {}),
    mode: structuredClone(DEFAULT_MODE),
    mPerClass: 2,
    sampler: 'unique_class',
    imageSize: null,
    validationClasses: 0,
    augmentation: 'glyphs',
    evalKs: [1, 2, 4, 8],
    evalMetrics: ['recall', 'mapAtR', 'nmi'],
    eval: { ...DEFAULT_EVAL },
    train: demoConfig(epochs, seed),
  };
}

/** The demo's two methods, as variants of a sweep over the SEE spec (Proxy-Anchor: the same run without the expansion). */
export const DEMO_VARIANTS = [
  { name: 'Proxy-Anchor', set: ['loss.name=proxy_anchor'] },
  { name: 'SEE Proxy-Anchor', set: [] },
];

/**
 * `npm run demo` as a sweep file's content: both methods with each seed (the seed fixes the data
 * order and the initialisation, so each seed's two runs form a pair), evaluated once, at the last
 * epoch (evalFrom past the other epochs), with every metric; SEE - Proxy-Anchor compared. `quick`: batch 16 for the tiny QUICK glyphs.
 */
export function demoSweepJson(name: string, epochs: number, seeds: number[], dataRoot: string, quick = false): Record<string, unknown> {
  const base = demoSpec('see_proxy_anchor', epochs, seeds[0], dataRoot);
  return {
    name,
    base: { ...base, train: { ...base.train, evalFreq: epochs, evalFrom: epochs } }, // the last epoch only
    set: quick ? ['train.globalBatch=16'] : [],
    variants: DEMO_VARIANTS,
    seeds,
    compare: [['SEE Proxy-Anchor', 'Proxy-Anchor']],
    protocol: 'last',
  };
}
