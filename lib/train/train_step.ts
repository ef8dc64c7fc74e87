/**
 * One optimizer step of the official recipe (SEE train.py train_one_epoch, docs/official-recipe.md 5-7):
 * forward (model.embed in training mode), loss, gradients of every grouped variable, the
 * official runs' per-group gradient scale (1/world size for the model's groups), clipping, AdamW
 * with per-group learning rates. The loss value is read back before the update, so a
 * non-finite loss never reaches the weights.
 * Reads are asynchronous only (WebGPU under Node cannot read synchronously): the batch labels are
 * copied to the host before the tape (losses index with them), and the second term of a loss
 * with the two-part form (MetricLoss batchTerm/deferredTerm, lib/types.ts) runs after the tape on
 * embeddings read back asynchronously.
 */
import { tf } from '../tf';
import type { EmbeddingModel, MetricLoss } from '../types';
import type { AdamW } from './adamw';
import { applyGradClip, type GradClip } from './grad_clip';
import type { Batch } from './contracts';
import { readToHost } from '../backend/host_values';
import { NonFiniteLossError, readStepHealth } from './step_health';

export { NonFiniteLossError };

export interface StepParts {
  model: EmbeddingModel;
  loss: MetricLoss;
  optimizer: AdamW;
  clip: GradClip;
  /** factor per optimizer group applied to its gradients before clipping (groupGradientScales); absent or 1: unchanged */
  gradScale?: Readonly<Record<string, number>>;
}

/** The gradients with each optimizer group's scale applied (a new map; unscaled entries are the same tensors). */
function scaleGroupGradients(grads: tf.NamedTensorMap, optimizer: AdamW, scales: Readonly<Record<string, number>>): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = { ...grads };
  for (const group of optimizer.groups) {
    const factor = scales[group.name] ?? 1;
    if (factor === 1) continue;
    for (const v of group.variables) {
      const g = grads[v.name];
      if (g) out[v.name] = tf.mul(g, factor);
    }
  }
  return out;
}

/** A loss with both hooks of the two-part form. */
type TwoPartLoss = MetricLoss & Required<Pick<MetricLoss, 'batchTerm' | 'deferredTerm'>>;

/** What a two-part loss's deferred term returns: its value and the gradients of the loss's variables. */
export type DeferredTerm = Awaited<ReturnType<TwoPartLoss['deferredTerm']>>;

/**
 * Starts the loss's deferred term (SEE's synthetic points), or undefined for a one-part loss. It
 * needs only what batchTerm kept, so the data-parallel step starts it while the workers run their
 * backward pass; applyStep awaits it.
 */
export function startDeferredTerm(loss: MetricLoss): Promise<DeferredTerm> | undefined {
  return twoPart(loss)?.deferredTerm();
}

/** value + the deferred term's value; its gradients are added into `grads` in place. */
function addDeferredTerm(value: tf.Scalar, grads: tf.NamedTensorMap, extra: DeferredTerm): tf.Scalar {
  for (const [name, g] of Object.entries(extra.grads)) {
    const before = grads[name];
    grads[name] = before ? tf.add(before, g) : g;
    if (before) tf.dispose([before, g]);
  }
  const total = tf.add(value, extra.value) as tf.Scalar;
  extra.value.dispose();
  return total;
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
  const { model, loss, optimizer } = parts;
  await readToHost(batch.labels);
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const embeddings = model.embed(batch.images, true); // [B, D]
        return tapeTerm(loss, embeddings, batch.labels); // [] scalar
      }),
    optimizer.variables(),
  );
  return applyStep(parts, value, grads, lrs, where);
}

/**
 * What the gradient tape computes from the batch's embeddings [B, D]: the whole loss, or the
 * batch term of a loss with the two-part form (its deferred term is added by applyStep). The
 * labels must have a host copy already (readToHost). Shared with the data-parallel step.
 */
export function tapeTerm(loss: MetricLoss, embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const deferred = twoPart(loss);
  return deferred ? deferred.batchTerm(embeddings, labels) : loss.compute(embeddings, labels);
}

function twoPart(loss: MetricLoss): TwoPartLoss | undefined {
  return loss.batchTerm && loss.deferredTerm ? (loss as TwoPartLoss) : undefined;
}

/**
 * The end of a step, shared with the data-parallel step (lib/train/parallel): adds the loss's
 * deferred term (`deferred`: started here by default, earlier by the data-parallel step), reads the
 * loss and the gradients' health in one read, throws NonFiniteLossError (weights untouched) when
 * either is not finite, else clips and applies AdamW. Takes ownership of `value` (the tape's term),
 * `grads` (every variable's gradient) and the deferred term's tensors, disposes them; returns the loss.
 */
export async function applyStep(
  parts: StepParts,
  value: tf.Scalar,
  grads: tf.NamedTensorMap,
  lrs: Readonly<Record<string, number>>,
  where: { epoch: number; step: number },
  deferred: Promise<DeferredTerm> | undefined = startDeferredTerm(parts.loss),
): Promise<number> {
  const { optimizer, clip } = parts;
  let total = value;
  let health: { loss: number; nonFiniteGradients: string[] };
  try {
    if (deferred) total = addDeferredTerm(value, grads, await deferred);
    health = await readStepHealth(total, grads);
  } catch (err) {
    tf.dispose(grads);
    throw err;
  } finally {
    tf.dispose([value, total]);
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
  const scaled = parts.gradScale ? scaleGroupGradients(grads, optimizer, parts.gradScale) : grads;
  let clipped: tf.NamedTensorMap = scaled;
  try {
    clipped = applyGradClip(scaled, clip);
    optimizer.step(clipped, lrs);
  } finally {
    const made = new Set([...Object.values(scaled), ...Object.values(clipped)]);
    for (const g of Object.values(grads)) made.delete(g);
    tf.dispose([...made, ...Object.values(grads)]);
  }
  return lossValue;
}
