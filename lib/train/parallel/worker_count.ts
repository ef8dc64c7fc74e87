/**
 * How many training workers: SEE_WORKERS=N (default: the machine's cores, os.availableParallelism);
 * 1 keeps the single-thread step. Workers run on the wasm backend only (wasm has one thread under
 * Node; the native backend uses every core by itself).
 */
import { availableParallelism } from 'node:os';

export function trainWorkerCount(value: string | undefined = process.env.SEE_WORKERS): number {
  if (value === undefined || value.trim() === '') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SEE_WORKERS="${value}": expected a positive integer (1 = no worker threads)`);
  return n;
}
