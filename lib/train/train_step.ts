/**
 * One optimizer step of the official recipe (SEE train.py train_one_epoch, see-configs.md 5-7):
 * forward (model.embed in training mode), loss, gradients of every grouped variable, clipping,
 * AdamW with per-group learning rates. The loss value is read back before the update, so a
 * non-finite loss never reaches the weights.
 */
import { tf } from '../tf';
import type { EmbeddingModel, MetricLoss } from '../types';
import type { AdamW } from './adamw';
import { applyGradClip, type GradClip } from './grad_clip';
import type { Batch } from './contracts';

export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    readonly epoch: number,
    readonly step: number,
    readonly lossValue: number,
  ) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

export interface StepParts {
  model: EmbeddingModel;
  loss: MetricLoss;
  optimizer: AdamW;
  clip: GradClip;
}

/**
 * Runs one step and returns the loss value. Throws NonFiniteLossError (weights untouched) when
 * the loss is NaN or infinite. The batch tensors are not disposed here.
 */
export async function trainStep(
  parts: StepParts,
  batch: Batch,
  lrs: Readonly<Record<string, number>>,
  where: { epoch: number; step: number } = { epoch: 0, step: 0 },
): Promise<number> {
  const { model, loss, optimizer } = parts;
  const { value, grads } = tf.variableGrads(
    () => tf.tidy(() => loss.compute(model.embed(batch.images, true), batch.labels)), // [] scalar
    optimizer.variables(),
  );
  let lossValue: number;
  try {
    lossValue = (await value.data())[0];
  } finally {
    value.dispose();
  }
  applyStep(parts, lossValue, grads, lrs, where);
  return lossValue;
}

/**
 * The end of a step, shared with the data-parallel step (lib/train/parallel): disposes `grads`
 * and throws NonFiniteLossError when the loss is not finite; otherwise clips and applies AdamW.
 */
export function applyStep(
  parts: StepParts,
  lossValue: number,
  grads: tf.NamedTensorMap,
  lrs: Readonly<Record<string, number>>,
  where: { epoch: number; step: number },
): void {
  const { optimizer, clip } = parts;
  if (!Number.isFinite(lossValue)) {
    tf.dispose(grads);
    throw new NonFiniteLossError(
      `loss is ${lossValue} at epoch ${where.epoch} step ${where.step}: training stopped before the update`,
      where.epoch,
      where.step,
      lossValue,
    );
  }
  const clipped = applyGradClip(grads, clip);
  try {
    optimizer.step(clipped, lrs);
  } finally {
    if (clipped !== grads) tf.dispose(clipped);
    tf.dispose(grads);
  }
}
