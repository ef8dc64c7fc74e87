/**
 * Evaluation only (`mode.name=evaluation_only`): nothing trains. The model is built as the spec
 * says (backbone with its weights, and the head) and scored once with the dataset's protocol;
 * the run folder gets config.json, the log and metrics.json, no checkpoint. The paper's DeiT-S,
 * DINO and ViT-S rows (De^384, DN^384, V^384) are this mode with the `l2_normalize` head: the
 * pretrained backbone's L2-normalised features. The spec's loss and training settings are not used.
 */
import { createEmbeddingModel } from '../backbones/model';
import type { BatchSource } from '../train/contracts';
import type { BuiltData } from './build_run';
import { buildEvaluators } from './end_to_end';
import type { TrainingMode, TrainingParts } from './modes';
import type { RunSpec } from './run_spec';

/** images embedded at once: a ViT-S forward keeps every block's activations of its batch until it ends (about 2 GB at 32 images of 224 px; the official 500 would need tens of GB) */
const EVAL_BATCH = 32;

const NO_BATCHES: BatchSource = { itersPerEpoch: 0, epoch: () => [] };

export const EVALUATION_ONLY: TrainingMode = {
  title:
    'nothing trains: the model as built (backbone weights and head) is evaluated once; the loss and the training settings are not used',
  options: {},
  evaluationOnly: true,
  checkpointHoldsBackbone: false,
  build(spec: RunSpec, data: BuiltData): TrainingParts {
    const evaluators = buildEvaluators(spec, data, { batchSize: EVAL_BATCH });
    const model = createEmbeddingModel(spec.backbone, {
      embeddingDim: spec.embeddingDim,
      weights: spec.weights === 'none' ? undefined : spec.weights,
      seed: spec.train.seed,
      head: spec.head,
    });
    return { model, source: NO_BATCHES, ...evaluators };
  },
};
