/**
 * One experiment from its specification: build it (buildRun), train it into a run folder
 * (config.json = the spec, log.jsonl, checkpoints, metrics.json), free it. The CLI, the demo and
 * the notebooks all run experiments through here; hooks let a caller watch or change what is
 * measured without rebuilding anything by hand. evaluateRun re-scores a run folder's checkpoint.
 */
import { join } from 'node:path';
import { readCheckpoint, restoreCheckpoint } from '../train/checkpoint';
import type { EvalMetrics, Evaluator } from '../train/contracts';
import { train, type RunMetrics } from '../train/loop';
import type { ProgressSink } from '../train/progress';
import { DEFAULT_RUNS_ROOT, makeRunId, RunDir } from '../train/run_dir';
import { buildRun, type BuiltRun } from './build_run';
import { checkSpec, defaultSpec, runInfoOf, type RunSpec } from './run_spec';
import { specFromJson } from './spec_merge';

export interface ExperimentHooks {
  /** the run folder; default `<runsRoot>/<makeRunId(spec.name)>` */
  runDir?: RunDir;
  /** where new run folders go (default data/runs) */
  runsRoot?: string;
  /** continue from the run folder's checkpoint */
  resume?: boolean;
  progress?: ProgressSink;
  /** replaces the test evaluator, given the built run (e.g. cheaper curves, or statistics taken at each evaluation) */
  evaluate?: (run: BuiltRun) => Evaluator;
  /** after the run is built, before training starts */
  onStart?: (run: BuiltRun, runDir: RunDir) => void;
  /** after training, before the model and the loss are freed */
  onFinish?: (run: BuiltRun, metrics: RunMetrics, runDir: RunDir) => void | Promise<void>;
}

export interface ExperimentResult {
  spec: RunSpec;
  runDir: RunDir;
  metrics: RunMetrics;
}

/** Builds, trains and frees one run; returns its metrics and folder. */
export async function runExperiment(spec: RunSpec, hooks: ExperimentHooks = {}): Promise<ExperimentResult> {
  const checked = checkSpec(spec, `run "${spec.name}"`);
  const runDir = hooks.runDir ?? new RunDir(join(hooks.runsRoot ?? DEFAULT_RUNS_ROOT, makeRunId(checked.name)));
  if (!hooks.resume && runDir.hasCheckpoint()) {
    throw new Error(`run folder ${runDir.path} already has a checkpoint: resume it (see-kit train --resume ${runDir.id}) or choose another run id`);
  }
  const run = buildRun(checked);
  try {
    hooks.onStart?.(run, runDir);
    const metrics = await train({
      config: checked.train, model: run.model, loss: run.loss, data: run.source,
      evaluate: hooks.evaluate ? hooks.evaluate(run) : run.evaluate, validate: run.validate,
      runDir, resume: hooks.resume, progress: hooks.progress, runInfo: runInfoOf(checked),
    });
    await hooks.onFinish?.(run, metrics, runDir);
    return { spec: checked, runDir, metrics };
  } finally {
    run.dispose();
  }
}

/** The specification a run folder's config.json holds (older forms read as the current one). */
export function readRunSpec(runDir: RunDir): RunSpec {
  return specFromJson(runDir.readConfig<unknown>(), runDir.configPath, defaultSpec());
}

/** Rebuilds a run's model and loss, loads its checkpoint and scores the test split again. */
export async function evaluateRun(runDir: RunDir, options: { dataRoot?: string } = {}): Promise<{ epoch: number; metrics: EvalMetrics }> {
  const saved = readRunSpec(runDir);
  if (!runDir.hasCheckpoint()) throw new Error(`${runDir.path} has no checkpoint.safetensors to evaluate`);
  const run = buildRun({ ...saved, weights: 'none', ...(options.dataRoot ? { dataRoot: options.dataRoot } : {}) });
  try {
    const ckpt = readCheckpoint(runDir.checkpointPath);
    restoreCheckpoint(ckpt, { model: run.model, loss: run.loss }, runDir.checkpointPath);
    return { epoch: ckpt.state.epoch, metrics: await run.evaluate(run.model, ckpt.state.epoch) };
  } finally {
    run.dispose();
  }
}
