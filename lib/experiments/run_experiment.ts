/**
 * One experiment from its specification: check it, build it (buildRun), train it into a run
 * folder (config.json = the spec, log.jsonl, checkpoints, metrics.json), free it. The CLI, the
 * demo and the notebooks all run experiments through here; hooks let a caller watch or change
 * what is measured without rebuilding anything by hand. evaluateRun re-scores a run folder's
 * checkpoint.
 *
 * Everything is checked before the run folder is touched: the specification, a live lock on the
 * folder, the dataset (a paper row on non-official image counts is refused), the head and tail of
 * every image, K against the test split (the evaluators), the weights; then the folder is created
 * and train() holds its lock. A resume must have the configuration its checkpoint was trained with
 * (train() names each differing key; a configuration stored in an older form is read as the
 * current one first).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkImageFiles } from '../data/image_check';
import { readCheckpoint, restoreCheckpoint, type Checkpoint } from '../train/checkpoint';
import type { EvalMetrics, Evaluator } from '../train/contracts';
import { train, type RunMetrics } from '../train/loop';
import type { ProgressSink } from '../train/progress';
import { CHECKPOINT_FILE, DEFAULT_RUNS_ROOT, makeRunId, RunDir } from '../train/run_dir';
import { assertNotLocked } from '../train/run_lock';
import type { StopRequest } from '../train/stop_signal';
import { validateTrainConfig } from '../train/train_config';
import { buildData, buildRun, type BuiltData, type BuiltRun } from './build_run';
import { checkSpec, defaultSpec, runInfoOf, type RunSpec } from './run_spec';
import { specFromJson } from './spec_merge';

export interface ExperimentHooks {
  /** the run folder (created once every check has passed); default `<runsRoot>/<makeRunId(spec.name)>` */
  runPath?: string;
  /** where new run folders go (default data/runs) */
  runsRoot?: string;
  /** continue from the run folder's checkpoint */
  resume?: boolean;
  progress?: ProgressSink;
  /** polled between steps: once it names a signal, the run stops there with a checkpoint (StopSignals) */
  stop?: StopRequest;
  /** replaces the test evaluator, given the built run (e.g. cheaper curves, or statistics taken at each evaluation) */
  evaluate?: (run: BuiltRun) => Evaluator;
  /** after the run is built and its folder created, before training starts */
  onStart?: (run: BuiltRun, runDir: RunDir) => void;
  /** after training, before the model and the loss are freed */
  onFinish?: (run: BuiltRun, metrics: RunMetrics, runDir: RunDir) => void | Promise<void>;
}

export interface ExperimentResult {
  spec: RunSpec;
  runDir: RunDir;
  metrics: RunMetrics;
}

/** A table row follows the paper's protocol: on a dataset with other image counts it is refused. */
function assertPaperProtocol(spec: RunSpec, data: BuiltData): void {
  if (!spec.row || data.split.notices.length === 0) return;
  throw new Error(`row ${spec.row} follows the paper's protocol, but ${data.split.notices.join('; ')}.\n` +
    'Complete the dataset, or train on it anyway with --set row=null (the run is then not placed beside the paper)');
}

/** What a run's config.json and checkpoints hold: the spec without `train`, plus the checked train config. */
function runConfigOf(spec: RunSpec): Record<string, unknown> {
  return { ...runInfoOf(spec), train: validateTrainConfig(spec.train) };
}

/** Builds, trains and frees one run; returns its metrics and folder. */
export async function runExperiment(spec: RunSpec, hooks: ExperimentHooks = {}): Promise<ExperimentResult> {
  const checked = checkSpec(spec, `run "${spec.name}"`);
  const runPath = hooks.runPath ?? join(hooks.runsRoot ?? DEFAULT_RUNS_ROOT, makeRunId(checked.name));
  assertNotLocked(runPath);
  if (!hooks.resume && existsSync(join(runPath, CHECKPOINT_FILE))) {
    throw new Error(`run folder ${runPath} already has a checkpoint: resume it (see-kit train --resume ${runPath}) or choose another run id`);
  }
  const data = buildData(checked);
  assertPaperProtocol(checked, data);
  await checkImageFiles([...data.train, ...data.validation, ...data.split.test].map((s) => s.path));
  const run = buildRun(checked, data);
  try {
    const runDir = new RunDir(runPath);
    hooks.onStart?.(run, runDir);
    const metrics = await train({
      config: checked.train, model: run.model, loss: run.loss, data: run.source,
      evaluate: hooks.evaluate ? hooks.evaluate(run) : run.evaluate, validate: run.validate,
      runDir, resume: hooks.resume, progress: hooks.progress, runInfo: runInfoOf(checked), stop: hooks.stop,
      storedConfig: (stored, source) => runConfigOf(specFromJson(stored, source, defaultSpec())),
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

/** Rebuilds a run folder's model and loss and loads its checkpoint into them; the caller disposes `run`. */
export async function restoreRun(runDir: RunDir, options: { dataRoot?: string } = {}): Promise<{ run: BuiltRun; checkpoint: Checkpoint }> {
  const saved = readRunSpec(runDir);
  if (!runDir.hasCheckpoint()) throw new Error(`${runDir.path} has no ${CHECKPOINT_FILE} to evaluate`);
  const run = buildRun({ ...saved, weights: 'none', ...(options.dataRoot ? { dataRoot: options.dataRoot } : {}) });
  try {
    const checkpoint = readCheckpoint(runDir.checkpointPath);
    await restoreCheckpoint(checkpoint, { model: run.model, loss: run.loss }, runDir.checkpointPath);
    return { run, checkpoint };
  } catch (err) {
    run.dispose();
    throw err;
  }
}

/**
 * Rebuilds a run's model and loss, loads its checkpoint and scores the test split again.
 * `inEpoch` is set when the checkpoint was written inside an epoch (a stopped run): the epoch it
 * stopped in and the steps of it done.
 */
export async function evaluateRun(runDir: RunDir, options: { dataRoot?: string } = {}): Promise<{ epoch: number; inEpoch?: { epoch: number; step: number }; metrics: EvalMetrics }> {
  const { run, checkpoint } = await restoreRun(runDir, options);
  try {
    const within = checkpoint.state.inEpoch;
    const epoch = within ? within.epoch : checkpoint.state.epoch;
    return { epoch, ...(within ? { inEpoch: { epoch: within.epoch, step: within.step } } : {}), metrics: await run.evaluate(run.model, epoch) };
  } finally {
    run.dispose();
  }
}
