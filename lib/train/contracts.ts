/**
 * What the training loop needs from the data and evaluation modules, kept small so the loop can
 * be tested with doubles: a BatchSource yields batches per epoch, an Evaluator scores a model.
 * Optional hooks a loss may implement are found by duck typing (see EpochAwareLoss, LossStats).
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
  mapAtR?: number;
  nmi?: number;
}

/** Scores a model (in eval mode) on one split. Must leave no tensors behind. */
export type Evaluator = (model: EmbeddingModel, epoch: number) => Promise<EvalMetrics>;

/** A loss whose state follows the epoch (SEE: `setEpoch`, the official `update_threshold`). */
export interface EpochAwareLoss {
  setEpoch(epoch: number, epochs: number): unknown;
}

/** A loss that reports per-step statistics after compute(). */
export interface LossStats {
  lastStats(): Record<string, number>;
}

/** What SeeProxyAnchorLoss keeps about its last compute() (lib/losses/see_proxy_anchor.ts). */
interface SeeLastStep {
  lastStep?: { threshold: number; numExpanded: number; numSynthetic: number };
}

/** A loss with random state of its own (SEE expansion draws), saved in checkpoints for exact resume. */
export interface StatefulLoss {
  getRandomState(): number[];
  setRandomState(state: readonly number[]): void;
}

/**
 * A loss with a term that needs this step's embeddings on the CPU and trains only the loss's own
 * variables (SEE: the expansion term). The training step calls `batchTerm` inside its gradient
 * tape, then awaits `deferredTerm`, which reads what it needs asynchronously (WebGPU cannot read
 * synchronously) and returns its value and the gradients of its variables, keyed by name.
 */
export interface DeferredTermLoss {
  batchTerm(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
  deferredTerm(): Promise<{ value: tf.Scalar; grads: tf.NamedTensorMap }>;
}

export function isDeferredTermLoss(x: object): x is DeferredTermLoss {
  const d = x as Partial<DeferredTermLoss>;
  return typeof d.batchTerm === 'function' && typeof d.deferredTerm === 'function';
}

export function isEpochAware(x: object): x is EpochAwareLoss {
  return typeof (x as Partial<EpochAwareLoss>).setEpoch === 'function';
}

export function isStatefulLoss(x: object): x is StatefulLoss {
  const s = x as Partial<StatefulLoss>;
  return typeof s.getRandomState === 'function' && typeof s.setRandomState === 'function';
}

/**
 * Per-step loss statistics for the log: `lastStats()` when the loss has it, otherwise SEE's
 * `lastStep`, turned into the official aug_rate = (n_expanded_total - n_orig) / n_orig
 * = synthetic points / batch size, plus the threshold and the number of expanded anchors.
 */
export function lossStepStats(loss: object, batchSize: number): Record<string, number> {
  if (typeof (loss as Partial<LossStats>).lastStats === 'function') return (loss as LossStats).lastStats();
  const step = (loss as SeeLastStep).lastStep;
  if (step && typeof step.numSynthetic === 'number') {
    return { expansionRate: step.numSynthetic / batchSize, numExpanded: step.numExpanded, threshold: step.threshold };
  }
  return {};
}

/** The first (smallest) K's recall: what the official code selects the best epoch by. */
export function recallAt1(m: EvalMetrics): number {
  const keys = Object.keys(m.recallAtK).map(Number).sort((a, b) => a - b);
  if (keys.length === 0) throw new Error('EvalMetrics.recallAtK is empty');
  return m.recallAtK[String(keys[0])];
}
