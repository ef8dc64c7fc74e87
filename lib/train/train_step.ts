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
import { NonFiniteLossError, readStepHealth } from './step_health';

export { NonFiniteLossError };

export interface StepParts {
  model: EmbeddingModel;
  loss: MetricLoss;
  optimizer: AdamW;
  clip: GradClip;
}

/**
 * Runs one step and returns the loss value. Throws NonFiniteLossError (weights untouched) when
 * the loss or a gradient is NaN or infinite. The batch tensors are not disposed here.
 */
export async function trainStep(
  parts: StepParts,
  batch: Batch,
  lrs: Readonly<Record<string, number>>,
  where: { epoch: number; step: number } = { epoch: 0, step: 0 },
): Promise<number> {
  const { model, loss, optimizer, clip } = parts;
  const { value, grads } = tf.variableGrads(
    () => tf.tidy(() => loss.compute(model.embed(batch.images, true), batch.labels)), // [] scalar
    optimizer.variables(),
  );
  let health: { loss: number; nonFiniteGradients: string[] };
  try {
    health = await readStepHealth(value, grads);
  } catch (err) {
    tf.dispose(grads);
    throw err;
  } finally {
    value.dispose();
  }
  const lossValue = health.loss;
  if (!Number.isFinite(lossValue) || health.nonFiniteGradients.length) {
    tf.dispose(grads);
    throw new NonFiniteLossError(
      `${Number.isFinite(lossValue) ? 'a gradient is not finite' : `loss is ${lossValue}`} at epoch ${where.epoch} step ${where.step}: training stopped before the update`,
      where.epoch,
      where.step,
      lossValue,
      health.nonFiniteGradients,
    );
  }
  const clipped = applyGradClip(grads, clip);
  try {
    optimizer.step(clipped, lrs);
  } finally {
    if (clipped !== grads) tf.dispose(clipped);
    tf.dispose(grads);
  }
  return lossValue;
}
