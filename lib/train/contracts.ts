/**
 * What the training loop needs from the data and evaluation modules, kept small so the loop can
 * be tested with doubles: a BatchSource yields batches per epoch, an Evaluator scores a model.
 * The hooks a loss may have are part of MetricLoss (lib/types.ts).
 */
import type { tf } from '../tf';
import type { EmbeddingModel } from '../types';

/** One training batch. The loop disposes both tensors after the step. */
export interface Batch {
  images: tf.Tensor4D; // [B, H, W, 3]
  labels: tf.Tensor1D; // [B] int32
}

export interface BatchSource {
  /** optimizer steps per epoch (official: floor(N_train / global batch)) */
  readonly itersPerEpoch: number;
  /**
   * the batches of `epoch` from batch `fromStep` on (0 unless a run resumes inside an epoch: a
   * source must give exactly the batches it would have given from there); `seed` is drawn from
   * the loop's RNG so a resumed run sees the same data
   */
  epoch(epoch: number, seed: number, fromStep?: number): AsyncIterable<Batch> | Iterable<Batch>;
}

/** Retrieval metrics, with Recall@K keyed by K ("1", "2", ...). Values are fractions in [0, 1]. */
export interface EvalMetrics {
  recallAtK: Record<string, number>;
  /** Recall@K of the backbone's L2-normalised features, when asked for (eval.bodyRecall; hyp_metric's "recall_b") */
  bodyRecallAtK?: Record<string, number>;
  mapAtR?: number;
  /** R-Precision, computed with MAP@R (same neighbours) */
  rPrecision?: number;
  nmi?: number;
}

/** Scores a model (in eval mode) on one split. Must leave no tensors behind. */
export type Evaluator = (model: EmbeddingModel, epoch: number) => Promise<EvalMetrics>;

/** The first (smallest) K's recall: what the official code selects the best epoch by. */
export function recallAt1(m: EvalMetrics): number {
  const keys = Object.keys(m.recallAtK)
    .map(Number)
    .sort((a, b) => a - b);
  if (keys.length === 0) throw new Error('EvalMetrics.recallAtK is empty');
  return m.recallAtK[String(keys[0])];
}
