/**
 * No silent numbers in training: one read per step returns the loss and, per trainable
 * variable, whether its gradient is finite (on wasm a host pass over the heap; elsewhere sum(g * 0),
 * 0 exactly when every entry is finite).
 * A non-finite loss or gradient raises NonFiniteLossError before any weight changes; the loop
 * then names the loss terms (recomputed for that batch from the same random state) and the last
 * good checkpoint, or, with `train.nonFinite: "skip"`, logs the step and goes on.
 */
import { NonFiniteValueError } from '../method/validation';
import { tf } from '../tf';
import { absMaxOnHeap } from '../backend/wasm_kernels/abs_max';
import type { EmbeddingModel, MetricLoss } from '../types';
import type { Batch } from './contracts';

export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    readonly epoch: number,
    readonly step: number,
    readonly lossValue: number,
    /** names of the variables whose gradient has NaN or Infinity (tfjs variable names) */
    readonly gradients: string[] = [],
    /** why the loss could not be computed at all (a non-finite input it refused) */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

/**
 * The step error as NonFiniteLossError when it is one, or when the loss refused non-finite inputs
 * (NonFiniteValueError, e.g. SEE's expansion given NaN embeddings); undefined for other errors.
 */
export function asNonFiniteStep(err: unknown, epoch: number, step: number): NonFiniteLossError | undefined {
  if (err instanceof NonFiniteLossError) return err;
  if (!(err instanceof NonFiniteValueError)) return undefined;
  return new NonFiniteLossError(
    `loss is NaN at epoch ${epoch} step ${step}: it cannot be computed (${err.message})`,
    epoch,
    step,
    NaN,
    [],
    err.message,
  );
}

/**
 * The loss value and the variables whose gradient is not finite, in one read. On wasm the
 * gradients are checked on the heap by one host pass (gradientsFiniteOnHeap) and only the loss is
 * read; elsewhere one tensor of [loss, sum(g * 0) per gradient] is built and read.
 */
export async function readStepHealth(value: tf.Scalar, grads: tf.NamedTensorMap): Promise<{ loss: number; nonFiniteGradients: string[] }> {
  const names = Object.keys(grads);
  const finite = gradientsFiniteOnHeap(names.map((n) => grads[n]));
  if (finite) {
    const loss = (await value.data())[0];
    return { loss, nonFiniteGradients: names.filter((_, i) => !finite[i]) };
  }
  const probe = tf.tidy(() =>
    tf.concat([
      tf.reshape(value, [1]),
      ...names.map((n) => tf.reshape(tf.sum(tf.mul(grads[n], 0)), [1])), // NaN unless every entry is finite
    ]),
  ); // [1 + V]
  try {
    const v = await probe.data();
    return { loss: v[0], nonFiniteGradients: names.filter((_, i) => !Number.isFinite(v[i + 1])) };
  } finally {
    probe.dispose();
  }
}

/**
 * Whether every entry of each gradient is finite, read from the wasm heap in place by one SIMD pass
 * each (absMaxOnHeap; no tfjs kernel, no copy: three kernels per gradient before, 165 calls and
 * about 0.7 ms of the demo's step);
 * undefined off wasm or when a gradient is not float32.
 */
export function gradientsFiniteOnHeap(grads: tf.Tensor[]): boolean[] | undefined {
  const maxima = grads.map((g) => absMaxOnHeap(g));
  if (maxima.some((m) => m === undefined)) return undefined;
  return (maxima as number[]).map((m) => m < Infinity); // NaN < Infinity is false
}

/** tfjs variable name -> checkpoint key (model/<name>, loss/<index>), for messages. */
export function variableLabels(model: EmbeddingModel, loss: MetricLoss): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, t] of model.namedWeights()) if (t instanceof tf.Variable) out.set(t.name, `model/${name}`);
  loss.trainableVariables.forEach((v, i) => out.set(v.name, `loss/${i}`));
  return out;
}

/**
 * The loss terms of `batch`, recomputed with the loss's random state as it was before the step
 * (`randomBefore`), then the state put back: the run goes on exactly as without the diagnosis.
 * Empty when the loss does not report terms (the optional `terms` hook of MetricLoss).
 */
export async function lossTermsOf(
  model: EmbeddingModel,
  loss: MetricLoss,
  batch: Batch,
  randomBefore: number[] | undefined,
): Promise<Record<string, number>> {
  if (!loss.terms) return {};
  const after = randomBefore ? loss.getRandomState?.() : undefined;
  if (randomBefore) loss.setRandomState?.(randomBefore);
  const embeddings = tf.tidy(() => model.embed(batch.images, true)); // [B, D]
  try {
    return await loss.terms(embeddings, batch.labels);
  } catch (err) {
    if (err instanceof NonFiniteValueError) return {};
    throw err;
  } finally {
    embeddings.dispose();
    if (after) loss.setRandomState?.(after);
  }
}

/** One message: where (step and global step), the loss and its terms, the bad gradients. */
export function describeNonFinite(
  err: NonFiniteLossError,
  globalStep: number,
  terms: Record<string, number>,
  labels: Map<string, string>,
): string {
  const where = `at epoch ${err.epoch} step ${err.step} (global step ${globalStep})`;
  const termText = Object.entries(terms)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const grads = err.gradients.map((g) => labels.get(g) ?? g);
  return (
    (Number.isFinite(err.lossValue) ? `a gradient is not finite ${where}: loss ${err.lossValue}` : `loss is ${err.lossValue} ${where}`) +
    (err.reason ? `; the loss cannot be computed: ${err.reason}` : '') +
    (termText ? `; loss terms: ${termText}` : '') +
    (grads.length
      ? `; NaN or Infinity in the gradient of ${grads.slice(0, 8).join(', ')}${grads.length > 8 ? ` and ${grads.length - 8} more` : ''}`
      : '') +
    '; the update was not applied'
  );
}
