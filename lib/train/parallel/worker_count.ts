/**
 * How many training workers: SEE_WORKERS=N (default: the machine's cores, os.availableParallelism);
 * 1 keeps the single-thread step. Workers run on the wasm backend only (wasm has one thread under
 * Node; webgpu computes on the GPU and the native tensorflow backend uses every core by itself):
 * elsewhere a run takes the single-thread step and says why (trainWorkerPlan).
 */
import { availableParallelism } from 'node:os';

export function trainWorkerCount(value: string | undefined = process.env.SEE_WORKERS, cores = availableParallelism()): number {
  if (value === undefined || value.trim() === '') return cores;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SEE_WORKERS="${value}": expected a positive integer (1 = no worker threads)`);
  return n;
}

export interface TrainWorkerPlan {
  /** worker threads the training step uses; 1 = the single-thread trainStep */
  workers: number;
  /** which step, and why, in words (the CLI, the demo and the run log's start event say it) */
  description: string;
}

/**
 * The step a run takes on `backend` with `requested` workers (default SEE_WORKERS); `rebuildable`:
 * the model has a recipe to build its copies on the workers (lib/backbones/model.ts).
 */
export function trainWorkerPlan(backend: string, requested = trainWorkerCount(), rebuildable = true): TrainWorkerPlan {
  const setting = `SEE_WORKERS=${process.env.SEE_WORKERS?.trim() || `unset: the ${availableParallelism()} cores`}`;
  const single = (why: string): TrainWorkerPlan => ({ workers: 1, description: `single-thread training step (${why})` });
  if (requested <= 1) return single(`1 worker: ${setting}`);
  if (backend !== 'wasm') return single(`SEE_WORKERS applies to the wasm backend only; this run is on ${backend}`);
  if (!rebuildable) return single('the model has no recipe to rebuild it on worker threads');
  return { workers: requested, description: `data-parallel training step on ${requested} worker threads (wasm; ${setting})` };
}
