/**
 * A whole local sweep in one call, for the CLI, the demo and notebooks: the plan written into the
 * sweep folder (finished runs kept, new ones appended), the runs on a pool of processes
 * (./local_pool.ts), then the statistics gathered (./gather.ts) into results.json. Interrupted, the
 * same call continues where it stopped.
 */
import { writeFileAtomic } from '../train/atomic_write';
import { DEFAULT_RUNS_ROOT } from '../train/run_dir';
import { missingInputs } from '../experiments/build_run';
import { gatherSweep, type SweepResults } from './gather';
import { onePerCore, poolShape } from './jobs';
import { runPool, type PoolOutcome } from './local_pool';
import { expandSweep, type PlannedRun, type SweepDefinition } from './sweep_definition';
import { preparePlan, sweepFolderOf, type SweepFolder, type SweepPlan } from './sweep_folder';

export interface SweepRunOptions {
  /** where the sweep's folder goes (default data/runs) */
  runsRoot?: string;
  /** replaces every run's dataRoot */
  dataRoot?: string;
  /** runs at once (default: the cores divided by SEE_WORKERS; ./jobs.ts poolShape); 'per-core': one run per core for many small runs (./jobs.ts onePerCore) */
  jobs?: number | 'per-core';
  /** each line the run processes print, prefixed with the run id */
  onLine?: (line: string) => void;
  /** said once the plan is known, before anything runs */
  onPlan?: (plan: SweepPlan, folder: SweepFolder, jobs: number, workersPerRun: number) => void;
  /** extra environment for the run processes (e.g. SEE_BACKEND) */
  env?: Record<string, string>;
  /** return with failed runs instead of throwing (the results then leave them out) */
  allowFailures?: boolean;
}

export interface SweepOutcome {
  folder: SweepFolder;
  plan: SweepPlan;
  pool: PoolOutcome;
  results: SweepResults;
}

/** Every run of the sweep, checked, with its inputs (data, weights) in place: else one error naming all that is missing. */
export function expandChecked(def: SweepDefinition, dataRoot?: string): PlannedRun[] {
  const runs = expandSweep(def, dataRoot);
  const missing = [...new Set(runs.flatMap((r) => missingInputs(r.spec)))];
  if (missing.length) throw new Error(`sweep ${def.name} cannot start:\n- ${missing.join('\n- ')}`);
  return runs;
}

export async function runSweep(def: SweepDefinition, o: SweepRunOptions = {}): Promise<SweepOutcome> {
  const runs = expandChecked(def, o.dataRoot);
  const folder = sweepFolderOf(def, o.runsRoot ?? DEFAULT_RUNS_ROOT);
  const plan = preparePlan(folder, def, runs);
  const { jobs, workers, oversubscribed } = poolShape(o.jobs === 'per-core' ? onePerCore(plan.runs.length) : o.jobs);
  o.onPlan?.(plan, folder, jobs, workers);
  if (oversubscribed) o.onLine?.(`note: ${oversubscribed}`);
  const pool = await runPool(folder, plan, { jobs, workersPerRun: workers, onLine: o.onLine, env: o.env });
  if (!o.allowFailures && (pool.failed.length || pool.stopped)) {
    const why =
      pool.failed.map((f) => `run ${f.id} failed (its output: ${f.log}):\n  ${f.tail.join('\n  ')}`).join('\n') ||
      `stopped by ${pool.stopped}`;
    throw new Error(`sweep ${def.name}: ${why}\nrun it again to continue: finished runs are kept`);
  }
  const results = gatherSweep(folder, plan);
  writeFileAtomic(folder.resultsPath, JSON.stringify(results, null, 2) + '\n');
  return { folder, plan, pool, results };
}
