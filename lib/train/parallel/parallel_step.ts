/**
 * The data-parallel training step: each worker runs the network on its share of the batch, the
 * main thread gathers the embeddings and computes the loss on the whole batch (SEE's expansion and
 * Proxy-Anchor need every row, as the official code all-gathers them across GPUs), sends each worker
 * dL/dE of its rows and, while they run their backward pass, computes a two-part loss's deferred
 * term (SEE's synthetic points, which needs only the gathered embeddings and the proxies); then sums
 * the workers' weight gradients in worker order, adds the loss's own (proxies), and ends the step
 * with trainStep's applyStep: the deferred term's gradients added, the one read of the loss and the
 * gradients' health (a non-finite step throws NonFiniteLossError with the weights untouched),
 * clipping and AdamW once. The workers get the new weights at the end of the step (and before a
 * step, if the weights changed in between), posted without waiting for their copies. Equal to
 * trainStep up to float rounding: the per-shard sums of the weight gradients are added in another
 * order.
 */
import { tf } from '../../tf';
import { readToHost } from '../../backend/host_values';
import { heapTensor, heapValues, type WasmBackend } from '../../backend/wasm_kernels/heap';
import { nativeGemmFromEnv } from '../../backend/wasm_kernels/native_gemm';
import type { MetricLoss } from '../../types';
import { applyStep, startDeferredTerm, tapeTerm, type StepParts } from '../train_step';
import type { Batch } from '../contracts';
import { shardRows } from './shards';
import type { TrainWorkers } from './worker_pool';

/**
 * The workers' gradients of one weight summed element-wise in worker order, as a new float32 tensor of
 * `shape`; undefined when none got one. On wasm the sum is written straight into the tensor's heap
 * memory in one pass: summing into a shared buffer and then copying it into a tensor took ResNet-50's
 * 25.5 M gradients three passes, 50-56 ms of a 2-worker step here (the step's `sum` phase).
 */
function summedGradient(parts: Array<Float32Array | null>, shape: number[]): tf.Tensor | undefined {
  const present = parts.filter((g): g is Float32Array => g !== null);
  if (present.length === 0) return undefined;
  const size = shape.reduce((a, b) => a * b, 1);
  const misfit = present.find((g) => g.length !== size);
  if (misfit) throw new Error(`data-parallel step: a worker's gradient has ${misfit.length} values, the weight [${shape}] ${size}`);
  const out = tf.getBackend() === 'wasm' ? heapTensor(tf.backend() as unknown as WasmBackend, shape) : undefined;
  const sum = out ? heapValues(out)! : new Float32Array(size); // a heap view: written before anything else allocates
  addInOrder(present, sum);
  return out ?? tf.tensor(sum, shape, 'float32');
}

/**
 * sum = parts[0] + parts[1] + parts[2] + ..., element-wise, added left to right; the first two with
 * the native addon's `add` where it is loaded (ResNet-50's gradients on two workers: 8 ms, against 47 for this loop in JavaScript here).
 */
export function addInOrder(parts: Float32Array[], sum: Float32Array): void {
  const [first, second] = parts;
  if (!second) {
    sum.set(first);
    return;
  }
  const native = nativeGemmFromEnv();
  if (native?.add) native.add(first, second, sum);
  else for (let i = 0; i < sum.length; i++) sum[i] = first[i] + second[i];
  for (const p of parts.slice(2)) for (let i = 0; i < sum.length; i++) sum[i] += p[i];
}

/**
 * The tape's term of the loss (trainStep's tapeTerm) on the gathered embeddings [B, D], with its
 * gradients: dL/dE read to the host for the workers, the loss's own variables' as tensors.
 */
async function lossOnGathered(
  loss: MetricLoss,
  all: Float32Array,
  shape: [number, number],
  labels: tf.Tensor1D,
): Promise<{ value: tf.Scalar; grads: tf.NamedTensorMap; dE: Float32Array }> {
  const gathered = tf.tensor2d(all, shape); // [B, D]
  const embeddings = tf.variable(gathered, true); // [B, D]
  gathered.dispose();
  try {
    const { value, grads } = tf.variableGrads(
      () => tapeTerm(loss, embeddings as tf.Tensor2D, labels),
      [embeddings, ...loss.trainableVariables],
    );
    const gE = grads[embeddings.name]; // [B, D]
    delete grads[embeddings.name];
    try {
      return { value, grads, dE: gE ? ((await gE.data()) as Float32Array) : new Float32Array(all.length) };
    } catch (err) {
      tf.dispose([value, ...Object.values(grads)]);
      throw err;
    } finally {
      gE?.dispose();
    }
  } finally {
    embeddings.dispose();
  }
}

/** Wall ms of each phase of one data-parallel step, in order (for `npm run bench -- workers`). */
export interface StepPhases {
  /** the new weights to the workers: after AdamW, and before the forward pass when they changed since (a resumed run) */
  push: number;
  /** the batch to the host, each worker's forward with its tape open, the embeddings back */
  forward: number;
  /** on the main thread: gathering, the loss's tape term on the whole batch, dL/dE read */
  loss: number;
  /** dL/dE to each worker, its backward, its gradients back; the main thread computes the loss's deferred term meanwhile */
  backward: number;
  /** the workers' gradients summed per weight */
  sum: number;
  /** applyStep: the deferred term's gradients added, the health read, clipping, AdamW */
  apply: number;
}

/** A stopwatch that adds the ms since the last call to `phase` in `into` (when given). */
function phaseClock(into: Partial<StepPhases> | undefined): (phase: keyof StepPhases) => void {
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    if (into) into[phase] = (into[phase] ?? 0) + now - last;
    last = now;
  };
}

/**
 * One data-parallel step (see the top of this file); returns the loss. With `phases`, the wall ms of
 * each phase are written into it.
 */
export async function parallelTrainStep(
  workers: TrainWorkers,
  parts: StepParts,
  batch: Batch,
  lrs: Readonly<Record<string, number>>,
  where: { epoch: number; step: number } = { epoch: 0, step: 0 },
  phases?: Partial<StepPhases>,
): Promise<number> {
  const ended = phaseClock(phases);
  const shape = batch.images.shape;
  const shards = shardRows(shape[0], workers.count);
  await workers.pushWeights();
  ended('push');
  await readToHost(batch.labels);
  // a view of the wasm heap (no copy), read by forward before anything allocates on it
  const images = heapValues(batch.images) ?? ((await batch.images.data()) as Float32Array);
  const rows = await workers.forward(images, shape, shards);
  ended('forward');
  // the workers now wait inside their tapes for dL/dE: release them on every path (zeros when the loss failed)
  const dim = rows[0].length / (shards[0].end - shards[0].start);
  const all = new Float32Array(shape[0] * dim);
  rows.forEach((r, i) => all.set(r, shards[i].start * dim));
  let main: Awaited<ReturnType<typeof lossOnGathered>> | undefined;
  let failure: unknown;
  try {
    main = await lossOnGathered(parts.loss, all, [shape[0], dim], batch.labels);
  } catch (err) {
    failure = err;
  }
  ended('loss');
  const dE = main?.dE ?? new Float32Array(all.length);
  const backward = workers.backward(shards.map((s) => dE.subarray(s.start * dim, s.end * dim)));
  // the workers now have dL/dE: the main thread computes the deferred term (SEE's synthetic points) meanwhile
  const deferred = main ? startDeferredTerm(parts.loss) : undefined;
  deferred?.catch(() => {}); // awaited by applyStep below, or disposed on failure: never an unhandled rejection
  let fromWorkers: Array<Array<Float32Array | null>>;
  try {
    fromWorkers = await backward;
  } catch (err) {
    if (main) tf.dispose([main.value, ...Object.values(main.grads)]);
    void deferred?.then(
      (d) => tf.dispose([d.value, ...Object.values(d.grads)]),
      () => {},
    );
    throw failure ?? err;
  }
  if (!main) throw failure;
  ended('backward');
  const grads: tf.NamedTensorMap = { ...main.grads };
  workers.trainable.forEach((v, k) => {
    const sum = summedGradient(
      fromWorkers.map((w) => w[k]),
      v.shape,
    );
    if (sum) grads[v.name] = sum;
  });
  ended('sum');
  let lossValue: number;
  try {
    // the deferred term, the health read, clipping and AdamW: exactly trainStep's end
    lossValue = await applyStep(parts, main.value, grads, lrs, where, deferred);
  } finally {
    ended('apply');
    workers.markStale();
  }
  // the new weights to the workers now (posted: each worker copies them before its next request),
  // so that the step pays for them and not an evaluation in between
  await workers.pushWeights();
  ended('push');
  return lossValue;
}
