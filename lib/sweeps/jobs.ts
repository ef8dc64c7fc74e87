/**
 * How many runs of a sweep go at once on this machine, and how many training threads each gets, so
 * that runs x threads never exceeds the cores. A run's threads are SEE_WORKERS (the data-parallel
 * step's worker threads), read as the training loop reads it: a positive integer, and when unset
 * the machine's cores. The pool gives each run process SEE_WORKERS explicitly, so a run never
 * falls back to "all the cores" while others share them.
 */
import { availableParallelism } from 'node:os';
import { trainWorkerCount } from '../train/parallel/worker_count';

/** --jobs default: floor(cores / workers per run), at least 1. */
export function defaultJobs(cores = availableParallelism(), workers = trainWorkerCount(undefined, cores)): number {
  return Math.max(1, Math.floor(cores / workers));
}

export interface PoolShape {
  /** runs at once */
  jobs: number;
  /** SEE_WORKERS each run process gets */
  workers: number;
  /** set when an explicit --jobs times SEE_WORKERS exceeds the cores (allowed: the user asked for it; said once) */
  oversubscribed?: string;
}

/**
 * Runs at once and threads per run. SEE_WORKERS set: it is each run's threads, and jobs default to
 * the cores divided by it. SEE_WORKERS unset: with `jobs` given, each run gets the cores divided by
 * the jobs (at least 1); without, one run at a time on every core (the training loop's default).
 */
export function poolShape(
  jobs: number | undefined,
  seeWorkers: string | undefined = process.env.SEE_WORKERS,
  cores = availableParallelism(),
): PoolShape {
  if (seeWorkers !== undefined && seeWorkers.trim() !== '') {
    const workers = trainWorkerCount(seeWorkers, cores);
    const shape = { jobs: jobs ?? defaultJobs(cores, workers), workers };
    if (shape.jobs * workers <= cores) return shape;
    const note = `--jobs ${shape.jobs} x SEE_WORKERS=${workers} = ${shape.jobs * workers} training threads on ${cores} cores: runs will share cores and each be slower (on wasm; other backends take the single-thread step)`;
    return { ...shape, oversubscribed: note };
  }
  if (jobs === undefined) return { jobs: 1, workers: cores };
  return { jobs, workers: Math.max(1, Math.floor(cores / jobs)) };
}

/**
 * Runs at once for many small runs (the demo, notebook 07): with SEE_WORKERS unset, one run per core
 * (each then gets one training thread: separate processes use the cores better than one run's
 * worker threads, which share its loss and AdamW), at most `runs`; with SEE_WORKERS set, undefined
 * (poolShape divides the cores by it).
 */
export function onePerCore(
  runs: number,
  seeWorkers: string | undefined = process.env.SEE_WORKERS,
  cores = availableParallelism(),
): number | undefined {
  return seeWorkers?.trim() ? undefined : Math.max(1, Math.min(cores, runs));
}

/** A --jobs value: a positive integer. */
export function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--jobs ${value}: expected a positive integer (runs at once)`);
  return n;
}
