/**
 * A sweep's folder, <runs root>/<sweep name>/:
 *   plan.json        every run (index, id, variant, seed, full specification): what the local pool
 *                    and the Slurm array tasks read; it only grows (new variants or seeds are appended)
 *   <variant>-seed<seed>/   one ordinary run folder per run (config.json, log.jsonl, checkpoint, metrics.json)
 *   tasks/<run id>.log      output of the local pool's process for that run
 *   slurm/           the job script, Slurm's output files (<job>_<task>.out), submissions.jsonl
 *   results.json     the gathered statistics (./gather.ts)
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configDifferences } from '../train/config_diff';
import { writeFileAtomic } from '../train/atomic_write';
import { readJsonFile } from '../train/json_file';
import type { EpochProtocol } from '../experiments/epoch_protocol';
import type { PlannedRun, SweepDefinition } from './sweep_definition';

export const PLAN_FILE = 'plan.json';

export interface SweepPlan {
  format: 1;
  name: string;
  source: string;
  protocol: EpochProtocol;
  variants: string[];
  seeds: number[];
  compare: [string, string][];
  runs: PlannedRun[];
}

export class SweepFolder {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  get planPath(): string {
    return join(this.path, PLAN_FILE);
  }

  get resultsPath(): string {
    return join(this.path, 'results.json');
  }

  get slurmDir(): string {
    return join(this.path, 'slurm');
  }

  taskLogPath(run: PlannedRun): string {
    return join(this.path, 'tasks', `${run.id}.log`);
  }

  runPath(run: PlannedRun): string {
    return join(this.path, run.id);
  }

  hasPlan(): boolean {
    return existsSync(this.planPath);
  }

  readPlan(): SweepPlan {
    if (!this.hasPlan())
      throw new Error(`${this.path} is not a sweep folder (no ${PLAN_FILE}); start the sweep with see-kit sweep <sweep.json>`);
    const plan = readJsonFile<SweepPlan>(this.planPath);
    if (plan.format !== 1 || !Array.isArray(plan.runs)) throw new Error(`${this.planPath}: not a sweep plan of format 1`);
    return plan;
  }

  /** The run at `index` of the plan, with a clear error outside it. */
  runAt(plan: SweepPlan, index: number): PlannedRun {
    const run = plan.runs[index];
    if (!Number.isInteger(index) || !run)
      throw new Error(`sweep ${plan.name}: no run ${index}; the plan ${this.planPath} has runs 0-${plan.runs.length - 1}`);
    return run;
  }
}

/** The folder of a sweep under `runsRoot`. */
export function sweepFolderOf(def: SweepDefinition, runsRoot: string): SweepFolder {
  return new SweepFolder(join(runsRoot, def.name));
}

/**
 * The plan to run: the runs already planned keep their index and must keep their specification
 * (only `dataRoot` may change); new runs are appended. Refuses, naming the run and each changed
 * key, when the sweep file changed a planned run or dropped one.
 */
export function mergePlan(previous: SweepPlan | undefined, def: SweepDefinition, runs: PlannedRun[]): SweepPlan {
  const merged: PlannedRun[] = [];
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const old of previous?.runs ?? []) {
    const now = byId.get(old.id);
    if (!now) {
      throw new Error(
        `sweep ${def.name}: run ${old.id} of the existing plan is not in ${def.source} any more; a sweep's plan only grows (new variants and seeds are added). Give the sweep another name to start afresh`,
      );
    }
    const diffs = configDifferences(old.spec, now.spec, ['dataRoot']);
    if (diffs.length) {
      const lines = diffs.map((d) => `  ${d.key}: ${d.run ?? '(absent)'} planned, ${d.now ?? '(absent)'} now`);
      throw new Error(
        `sweep ${def.name}: run ${old.id} was planned with another specification (${diffs.length} key(s)):\n${lines.join('\n')}\nits folder holds a run of the planned one; give the sweep another name to change it`,
      );
    }
    merged.push({ ...old, spec: { ...old.spec, dataRoot: now.spec.dataRoot } });
  }
  for (const r of runs) if (!merged.some((m) => m.id === r.id)) merged.push({ ...r, index: merged.length });
  return {
    format: 1,
    name: def.name,
    source: def.source,
    protocol: def.protocol,
    variants: def.variants.map((v) => v.name),
    seeds: def.seeds,
    compare: def.compare,
    runs: merged,
  };
}

/** Writes the merged plan into the folder (atomically) and returns it. */
export function preparePlan(folder: SweepFolder, def: SweepDefinition, runs: PlannedRun[]): SweepPlan {
  const plan = mergePlan(folder.hasPlan() ? folder.readPlan() : undefined, def, runs);
  writeFileAtomic(folder.planPath, JSON.stringify(plan, null, 2) + '\n');
  return plan;
}
