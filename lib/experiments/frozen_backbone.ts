/**
 * Training on a frozen backbone (`mode.name=frozen_backbone`, or `train.frozenBackbone=true`):
 * the backbone's features of every image are computed once into a features cache
 * (lib/features/cache.ts, data/features/; `see-kit features` makes it ahead), then only the
 * embedding head and the loss's proxies train, on batches of cached features; evaluation embeds
 * the cached test features through the head. This is the official recipe's warm-up phase (the
 * backbone frozen, docs/official-recipe.md §5) made the whole run, and it costs a small fraction
 * of end-to-end training per epoch. With `views` > 0 each training image has that many augmented
 * views (the training transform, keyed by viewSeed), one drawn per epoch; with 0, the
 * evaluation transform's features are the training inputs. A random-initialised backbone
 * (weights "none") starts from `initSeed`, not from train.seed, so one cache serves every seed.
 */
import { createHead } from '../backbones/heads';
import type { OptionSchema } from '../options';
import { ensureFeatureCache, type FeatureCache } from '../features/cache';
import { featureBatchSource, featureEmbedder } from '../features/feature_batches';
import { FeatureHeadModel } from '../features/head_model';
import { runRecordOf } from '../features/identity';
import type { BuiltData } from './build_run';
import { buildEvaluators } from './end_to_end';
import type { ModeContext, TrainingMode, TrainingParts } from './modes';
import type { RunSpec } from './run_spec';

export const FROZEN_BACKBONE_OPTIONS = {
  views: {
    default: 0,
    type: 'integer',
    min: 0,
    source:
      "kit choice: 0 = the evaluation transform's features (no augmentation); n > 0 = n augmented views per training image, one drawn per epoch",
  },
  viewSeed: {
    default: 0,
    type: 'integer',
    source: 'kit choice: the augmentations of the cached views, independent of train.seed so one cache serves every seed',
  },
  initSeed: {
    default: 0,
    type: 'integer',
    source: 'kit choice: the random initialisation of a backbone with weights "none", independent of train.seed',
  },
} as const satisfies OptionSchema;

function isFeatureCache(x: unknown): x is FeatureCache {
  return typeof x === 'object' && x !== null && 'evalFeatures' in x && 'rowOf' in x;
}

export const FROZEN_BACKBONE: TrainingMode = {
  title: 'the backbone frozen: its features cached once (data/features/), the head and the proxies trained on them',
  options: FROZEN_BACKBONE_OPTIONS,
  checkpointHoldsBackbone: false,
  prepare(spec: RunSpec, data: BuiltData, options, context: ModeContext): Promise<FeatureCache> {
    return ensureFeatureCache({
      root: context.featuresRoot,
      dataset: spec.dataset,
      dataRoot: spec.dataRoot,
      locationKey: spec.folder ?? null,
      backbone: spec.backbone,
      weights: spec.weights,
      initSeed: options.initSeed as number,
      train: data.split.train,
      test: data.split.test,
      evalSpec: data.evalSpec,
      trainSpec: data.trainSpec,
      views: options.views as number,
      viewSeed: options.viewSeed as number,
      report: context.report,
    });
  },
  build(spec: RunSpec, data: BuiltData, _options, prepared?: unknown): TrainingParts {
    if (!isFeatureCache(prepared)) {
      throw new Error(
        'training mode frozen_backbone needs its features cache: await prepareRun(spec, data) and pass it to buildRun (runExperiment and evaluateRun do)',
      );
    }
    const evaluators = buildEvaluators(spec, data, { embed: featureEmbedder(prepared) });
    const source = featureBatchSource({
      cache: prepared,
      samples: data.train,
      batchSize: spec.train.globalBatch,
      mPerClass: spec.mPerClass,
    });
    const head = createHead(spec.head, { featureDim: prepared.featureDim, embeddingDim: spec.embeddingDim, seed: spec.train.seed });
    return { model: new FeatureHeadModel(head), source, ...evaluators, inputs: { features: runRecordOf(prepared.manifest.identity) } };
  },
};
