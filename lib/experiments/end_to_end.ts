/**
 * The training mode of the paper (`end_to_end`): backbone and head train together on augmented
 * images. The model comes from the backbone registry (weights loaded strictly) with the
 * specification's head; batches from the specification's m-per-class sampler (the official SEE one
 * or hyp_metric's) and the image transforms;
 * evaluation embeds the test split (and the carved validation split) with the evaluation transform.
 */
import { createEmbeddingModel } from '../backbones/model';
import type { Evaluator } from '../train/contracts';
import { datasetEvaluator, type SampleEmbedder } from '../train/dataset_evaluator';
import { datasetBatchSource } from '../train/dataset_source';
import type { BuiltData } from './build_run';
import type { TrainingMode, TrainingParts } from './modes';
import type { RunSpec } from './run_spec';

/**
 * Test-split evaluator (unseen classes), and the validation one when a split was carved. `embed`
 * replaces embedding the images (a mode on cached features); `batchSize` is the images embedded at once (official 500).
 */
export function buildEvaluators(
  spec: RunSpec,
  data: BuiltData,
  how: { embed?: SampleEmbedder; batchSize?: number } = {},
): { evaluate: Evaluator; validate?: Evaluator } {
  const common = { spec: data.evalSpec, metrics: spec.evalMetrics, seed: spec.train.seed, bodyRecall: spec.eval.bodyRecall, ...how };
  const queryGallery = data.split.query && data.split.gallery ? { query: data.split.query, gallery: data.split.gallery } : undefined;
  if (spec.eval.inshopIndexMask && !queryGallery) {
    throw new Error(
      `run "${spec.name}": eval.inshopIndexMask applies to query/gallery datasets (In-Shop); ${spec.dataset} is one labelled set`,
    );
  }
  const evaluate = queryGallery
    ? datasetEvaluator({
        ...common,
        ...queryGallery,
        ks: spec.evalKs,
        metrics: spec.evalMetrics.filter((m) => m !== 'nmi'),
        officialInshopMask: spec.eval.inshopIndexMask,
      })
    : datasetEvaluator({ ...common, samples: data.split.test, ks: spec.evalKs });
  if (data.validation.length === 0) return { evaluate };
  const maxK = data.validation.length - 1;
  return { evaluate, validate: datasetEvaluator({ ...common, samples: data.validation, ks: spec.evalKs.filter((k) => k <= maxK) }) };
}

export const END_TO_END: TrainingMode = {
  title: "backbone and head trained together on augmented images (the paper's setting)",
  options: {},
  build(spec: RunSpec, data: BuiltData): TrainingParts {
    // the checks first (K against the split, batch against the classes), the model (tensors) last
    const evaluators = buildEvaluators(spec, data);
    const source = datasetBatchSource({
      samples: data.train,
      batchSize: spec.train.globalBatch,
      mPerClass: spec.mPerClass,
      spec: data.trainSpec,
      sampler: spec.sampler,
    });
    const model = createEmbeddingModel(spec.backbone, {
      embeddingDim: spec.embeddingDim,
      weights: spec.weights === 'none' ? undefined : spec.weights,
      seed: spec.train.seed,
      head: spec.head,
    });
    return { model, source, ...evaluators };
  },
};
