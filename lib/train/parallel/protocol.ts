/**
 * Messages between the main thread and the training workers (worker_pool.ts, train_worker.ts).
 * Typed arrays travel by structured clone (a copy) unless listed as transferred; views of a
 * SharedArrayBuffer (the weights, the gradients: shared_floats.ts) are shared, not copied.
 */
import type { ModelRecipe } from '../../backbones/model';

export type ToWorker =
  /** build the network (random weights until the first `weights`); `wake` and `gradients` carry the backward hand-off */
  | { kind: 'init'; recipe: ModelRecipe; wake: SharedArrayBuffer }
  /** new values of some or all named weights (model.namedWeights() keys), views into one SharedArrayBuffer the main thread reuses: reply `weightsSet` once copied */
  | { kind: 'weights'; values: Record<string, Float32Array> }
  /** forward with the tape open: reply `embeddings`, wait for dL/dE on the gradient port, reply `grads` */
  | { kind: 'train'; images: Float32Array; shape: [number, number, number, number] }
  /** inference in eval mode: reply `embedded` */
  | { kind: 'embed'; images: Float32Array; shape: [number, number, number, number] };

export type FromWorker =
  | { kind: 'ready'; trainable: Array<{ name: string; shape: number[] }> }
  /** the `weights` are copied into the network: the main thread may write their buffer again */
  | { kind: 'weightsSet' }
  | { kind: 'embeddings'; data: Float32Array }
  /** gradients of the trainable weights in `ready`'s order, views into one SharedArrayBuffer the worker reuses at its next `train`; null where the weight got none */
  | { kind: 'grads'; grads: Array<Float32Array | null> }
  | { kind: 'embedded'; data: Float32Array }
  | { kind: 'error'; message: string };

/** what travels on the gradient port: dL/dE of the worker's rows [rows * D] */
export interface GradientMessage {
  dE: Float32Array;
}
