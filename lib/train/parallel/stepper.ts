/**
 * What the training loop calls for each step: the single-thread trainStep, or, with SEE_WORKERS
 * above 1 on the wasm backend and a model that can be rebuilt from its recipe, the data-parallel
 * step on worker threads (trainWorkerPlan decides, and says why). While the workers run,
 * evaluation of that model embeds on them too (parallelEmbedder, used by dataset_evaluator.ts).
 * Both steps end in trainStep's applyStep, so the non-finite checks, clipping and AdamW are one code.
 */
import { tf } from '../../tf';
import { heapValues } from '../../backend/wasm_kernels/heap';
import type { BackboneEmbeddingModel, ModelRecipe } from '../../backbones/model';
import type { EmbeddingModel } from '../../types';
import type { Batch } from '../contracts';
import { trainStep, type StepParts } from '../train_step';
import { parallelTrainStep, type StepPhases } from './parallel_step';
import { shardRows } from './shards';
import { trainWorkerCount, trainWorkerPlan, type TrainWorkerPlan } from './worker_count';
import { TrainWorkers } from './worker_pool';

export interface Stepper {
  /** worker threads in use (1: the single-thread step) */
  readonly workers: number;
  /** which step and why (trainWorkerPlan), for the run's log */
  readonly description: string;
  /** one step; the data-parallel one writes the wall ms of its phases into `phases` when given */
  step(
    batch: Batch,
    lrs: Readonly<Record<string, number>>,
    where: { epoch: number; step: number },
    phases?: Partial<StepPhases>,
  ): Promise<number>;
  close(): Promise<void>;
}

/** eval-mode embeddings of a batch, [B * D] in row order */
export type Embedder = (images: tf.Tensor4D) => Promise<Float32Array>;

const embedders = new WeakMap<EmbeddingModel, Embedder>();

/** The worker embedder of a model while a parallel stepper runs for it. */
export function parallelEmbedder(model: EmbeddingModel): Embedder | undefined {
  return embedders.get(model);
}

function recipeOf(model: EmbeddingModel): ModelRecipe | undefined {
  return (model as Partial<BackboneEmbeddingModel>).recipe;
}

/** The step a training of `model` takes on the active backend: what openStepper opens, in words too. */
export function plannedStep(model: EmbeddingModel, requested = trainWorkerCount()): TrainWorkerPlan {
  return trainWorkerPlan(tf.getBackend(), requested, recipeOf(model) !== undefined);
}

/** The step for these parts: parallel when `requested` (default SEE_WORKERS) > 1 and possible (plannedStep), else trainStep. */
export async function openStepper(parts: StepParts, requested = trainWorkerCount()): Promise<Stepper> {
  const recipe = recipeOf(parts.model);
  const { workers, description } = plannedStep(parts.model, requested);
  if (workers <= 1 || !recipe) {
    return { workers: 1, description, step: (batch, lrs, where) => trainStep(parts, batch, lrs, where), close: async () => {} };
  }
  const pool = await TrainWorkers.start(parts.model, recipe, workers);
  embedders.set(parts.model, async (images) => {
    await pool.pushWeights();
    const shards = shardRows(images.shape[0], pool.count);
    // a view of the wasm heap (no copy), read by embed before anything allocates on it
    const rows = await pool.embed(heapValues(images) ?? ((await images.data()) as Float32Array), images.shape, shards);
    const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
    let offset = 0;
    for (const r of rows) {
      out.set(r, offset);
      offset += r.length;
    }
    return out;
  });
  return {
    workers,
    description,
    step: (batch, lrs, where, phases) => parallelTrainStep(pool, parts, batch, lrs, where, phases),
    close: async () => {
      embedders.delete(parts.model);
      await pool.close();
    },
  };
}
