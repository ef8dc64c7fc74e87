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
 * current one first). A training mode that prepares its inputs (the frozen backbone's features
 * cache) does so after the checks; what those inputs were made from is recorded in the run
 * folder's inputs.json and must be the same when the run resumes or is evaluated. An
 * evaluation-only mode scores the model once instead of training it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImageFiles } from '../data/image_check';
import { writeFileAtomic } from '../train/atomic_write';
import { configDifferences } from '../train/config_diff';
import { evaluateOnce } from '../train/evaluate_once';
import { readCheckpoint, restoreCheckpoint, type Checkpoint } from '../train/checkpoint';
import type { EvalMetrics, Evaluator } from '../train/contracts';
import { train, type RunMetrics } from '../train/loop';
import type { ProgressSink } from '../train/progress';
import { CHECKPOINT_FILE, claimNewRunDir, DEFAULT_RUNS_ROOT, RunDir } from '../train/run_dir';
import { assertNotLocked } from '../train/run_lock';
import type { StopRequest } from '../train/stop_signal';
import { validateTrainConfig } from '../train/train_config';
import { buildData, buildRun, checkTrainingData, prepareRun, type BuiltData, type BuiltRun } from './build_run';
import { getMode } from './modes';
import { checkSpec, defaultSpec, runInfoOf, type RunSpec } from './run_spec';
import { specFromJson } from './spec_merge';

export interface ExperimentHooks {
  /**
   * the run folder (created once every check has passed); default a new `<runsRoot>/<makeRunId(spec.name)>`,
   * suffixed when another process took that name in the same second (claimNewRunDir)
   */
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
  /** where features caches are (default data/features) */
  featuresRoot?: string;
  /** progress lines of a mode's preparation (computing features) */
  report?: (line: string) => void;
}

export interface ExperimentResult {
  spec: RunSpec;
  runDir: RunDir;
  metrics: RunMetrics;
}

/** A table row follows the paper's protocol: on a dataset with other image counts it is refused. */
function assertPaperProtocol(spec: RunSpec, data: BuiltData): void {
  if (!spec.row || data.split.notices.length === 0) return;
  throw new Error(
    `row ${spec.row} follows the paper's protocol, but ${data.split.notices.join('; ')}.\n` +
      'Complete the dataset, or train on it anyway with --set row=null (the run is then not placed beside the paper)',
  );
}

/** What a run's config.json and checkpoints hold: the spec without `train`, plus the checked train config. */
function runConfigOf(spec: RunSpec): Record<string, unknown> {
  return { ...runInfoOf(spec), train: validateTrainConfig(spec.train) };
}

/** the file of a run folder that records how the mode's inputs were made (TrainingParts.inputs) */
export const INPUTS_FILE = 'inputs.json';

/** Writes the run's inputs record, or (`compare`) refuses inputs other than the recorded ones, naming each difference. */
function recordInputs(runDir: RunDir, inputs: Record<string, unknown> | undefined, compare: boolean, write: boolean): void {
  if (!inputs) return;
  const path = join(runDir.path, INPUTS_FILE);
  if (compare && existsSync(path)) {
    const diffs = configDifferences(JSON.parse(readFileSync(path, 'utf8')), inputs);
    if (diffs.length === 0) return;
    throw new Error(
      `run ${runDir.id} was trained on other inputs than these (${path}), in ${diffs.length} key(s):\n` +
        `${diffs.map((d) => `  ${d.key}: ${d.run ?? '(absent)'} then, ${d.now ?? '(absent)'} now`).join('\n')}\n` +
        'its checkpoint belongs to those inputs: restore them (the weights file, the images), or start a new run',
    );
  }
  if (write) writeFileAtomic(path, JSON.stringify(inputs, null, 2) + '\n');
}

/** Builds, trains and frees one run; returns its metrics and folder. */
export async function runExperiment(spec: RunSpec, hooks: ExperimentHooks = {}): Promise<ExperimentResult> {
  const checked = checkSpec(spec, `run "${spec.name}"`);
  const runPath = hooks.runPath;
  if (runPath !== undefined) {
    assertNotLocked(runPath);
    if (!hooks.resume && existsSync(join(runPath, CHECKPOINT_FILE))) {
      throw new Error(
        `run folder ${runPath} already has a checkpoint: resume it (see-kit train --resume ${runPath}) or choose another run id`,
      );
    }
  }
  const data = buildData(checked);
  assertPaperProtocol(checked, data);
  checkTrainingData(checked, data);
  await checkImageFiles([...data.train, ...data.validation, ...data.split.test].map((s) => s.path));
  const prepared = await prepareRun(checked, data, { featuresRoot: hooks.featuresRoot, report: hooks.report });
  const run = buildRun(checked, data, prepared);
  try {
    const runDir = runPath !== undefined ? new RunDir(runPath) : claimNewRunDir(hooks.runsRoot ?? DEFAULT_RUNS_ROOT, checked.name);
    recordInputs(runDir, run.inputs, Boolean(hooks.resume), true);
    hooks.onStart?.(run, runDir);
    const metrics = getMode(checked.mode.name).evaluationOnly
      ? await evaluateOnce({
          model: run.model,
          evaluate: hooks.evaluate ? hooks.evaluate(run) : run.evaluate,
          validate: run.validate,
          runDir,
          config: runConfigOf(checked),
        })
      : await train({
          config: checked.train,
          model: run.model,
          loss: run.loss,
          data: run.source,
          evaluate: hooks.evaluate ? hooks.evaluate(run) : run.evaluate,
          validate: run.validate,
          runDir,
          resume: hooks.resume,
          progress: hooks.progress,
          runInfo: runInfoOf(checked),
          stop: hooks.stop,
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

/**
 * Rebuilds a run folder's model and loss and loads its checkpoint into them; the caller disposes
 * `run`. A mode whose checkpoint has no backbone takes it from the spec's weights again (and its
 * inputs must be those the run recorded); an evaluation-only run has no checkpoint (`checkpoint`
 * undefined: the model as it was built).
 */
export async function restoreRun(
  runDir: RunDir,
  options: { dataRoot?: string; featuresRoot?: string; report?: (line: string) => void } = {},
): Promise<{ run: BuiltRun; checkpoint?: Checkpoint }> {
  const saved = readRunSpec(runDir);
  const mode = getMode(saved.mode.name);
  if (!mode.evaluationOnly && !runDir.hasCheckpoint()) throw new Error(`${runDir.path} has no ${CHECKPOINT_FILE} to evaluate`);
  const spec: RunSpec = {
    ...saved,
    ...(mode.checkpointHoldsBackbone === false ? {} : { weights: 'none' }),
    ...(options.dataRoot ? { dataRoot: options.dataRoot } : {}),
  };
  const data = buildData(spec);
  const run = buildRun(spec, data, await prepareRun(spec, data, options));
  try {
    recordInputs(runDir, run.inputs, true, false);
    if (mode.evaluationOnly) return { run };
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
 * stopped in and the steps of it done; an evaluation-only run is scored again as it was built
 * (restoreRun says how each mode is rebuilt).
 */
export async function evaluateRun(
  runDir: RunDir,
  options: { dataRoot?: string; featuresRoot?: string; report?: (line: string) => void } = {},
): Promise<{ epoch: number; inEpoch?: { epoch: number; step: number }; evaluationOnly?: true; metrics: EvalMetrics }> {
  const { run, checkpoint } = await restoreRun(runDir, options);
  try {
    if (!checkpoint) return { epoch: 0, evaluationOnly: true, metrics: await run.evaluate(run.model, 0) };
    const within = checkpoint.state.inEpoch;
    const epoch = within ? within.epoch : checkpoint.state.epoch;
    return {
      epoch,
      ...(within ? { inEpoch: { epoch: within.epoch, step: within.step } } : {}),
      metrics: await run.evaluate(run.model, epoch),
    };
  } finally {
    run.dispose();
  }
}
