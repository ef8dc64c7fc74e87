/**
 * How many runs of a sweep go at once on this machine: the cores divided by each run's training
 * workers (SEE_WORKERS, the data-parallel step's worker threads; without it a run trains on one
 * thread). The pool gives each run process SEE_WORKERS explicitly, so the division holds whatever
 * a run would default to.
 */
import { availableParallelism } from 'node:os';

/** Training threads per run: SEE_WORKERS when set, else 1. */
export function workersPerRun(value: string | undefined = process.env.SEE_WORKERS): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SEE_WORKERS="${value}": expected a positive integer (training threads per run)`);
  return n;
}

/** --jobs default: floor(cores / workers per run), at least 1. */
export function defaultJobs(cores = availableParallelism(), workers = workersPerRun()): number {
  return Math.max(1, Math.floor(cores / workers));
}

/** A --jobs value: a positive integer. */
export function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--jobs ${value}: expected a positive integer (runs at once)`);
  return n;
}
