/**
 * The training loop of the official recipe (SEE train.py, docs/official-recipe.md sections 5-9):
 * epochs of BatchSource batches, per-group learning rates (backbone frozen during warm-up),
 * the loss's epoch hook (SEE threshold schedule) at each epoch start, evaluation every
 * `evalFreq` epochs from max(warmupEpochs, evalFrom) plus the last epoch, best-epoch (by test
 * Recall@1 among the official evaluation epochs, as the official code reports) and last-epoch
 * metrics, the official runs' gradient scale (train.worldSize), an optional validation split
 * for honest model selection, a checkpoint per `checkpointEvery` epochs, resume, NaN stop.
 * A run holds its folder's lock (lib/train/run_lock.ts) while it trains; a resume must have the
 * configuration its checkpoint was trained with (lib/train/config_diff.ts); a stop request
 * (lib/train/stop_signal.ts) ends the run at a step boundary with a checkpoint to resume from.
 */
import { existsSync } from 'node:fs';
import { Sfc32 } from '../random';
import { backendInfo, describeBackend, tf } from '../tf';
import type { EmbeddingModel, MetricLoss } from '../types';
import { AdamW } from './adamw';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint, type EpochPosition, type LoopState } from './checkpoint';
import { assertSameConfig } from './config_diff';
import { recallAt1, type BatchSource, type EvalMetrics, type Evaluator } from './contracts';
import { lrMultiplier } from './lr_schedule';
import { buildParamGroups, groupGradientScales, groupLearningRates } from './param_groups';
import { ThroughputMeter, type ProgressSink } from './progress';
import { webgpuMemory } from '../backend/webgpu_backend';
import type { RunDir, RunPosition } from './run_dir';
import { acquireRunLock, type LockHolder } from './run_lock';
import { asNonFiniteStep, describeNonFinite, lossTermsOf, variableLabels } from './step_health';
import { slurmTask } from './scheduler_env';
import { RunStoppedError, type StopRequest } from './stop_signal';
import { validateTrainConfig, type TrainConfig } from './train_config';
import { openStepper, type Stepper } from './parallel/stepper';

export interface EvalRecord {
  epoch: number;
  test: EvalMetrics;
  validation?: EvalMetrics;
}

export interface RunMetrics {
  status: 'finished';
  epochs: number;
  /**
   * epoch with the best test Recall@1 among the official evaluation epochs (what the official
   * code reports; SOP: 40, 45, ..., 145, so the extra evaluation of the last epoch 149 does not
   * compete); a run that reaches no official evaluation epoch reports its last epoch here, with
   * `bestFrom` 'last'
   */
  best: EvalRecord;
  /** where `best` was chosen: 'official' evaluation epochs, or the 'last' epoch when the run had none */
  bestFrom?: 'official' | 'last';
  /** the last epoch */
  last: EvalRecord;
  /** epoch with the best validation Recall@1, when a validation evaluator was given */
  selectedByValidation?: EvalRecord;
  history: EvalRecord[];
  trainSeconds: number;
  /** steps whose update was skipped because their loss or gradient was not finite (train.nonFinite "skip") */
  skippedSteps?: number;
}

export interface TrainOptions {
  config: TrainConfig;
  model: EmbeddingModel;
  loss: MetricLoss;
  data: BatchSource;
  /** test-set evaluator (Recall@K on the unseen classes) */
  evaluate: Evaluator;
  /** optional validation evaluator (classes carved from the training set) */
  validate?: Evaluator;
  runDir: RunDir;
  /** continue from runDir's checkpoint when there is one */
  resume?: boolean;
  progress?: ProgressSink;
  /** log every n-th step to log.jsonl (default 1) */
  logEverySteps?: number;
  /** what else config.json records beside the train config (row id, backbone, dataset...) */
  runInfo?: Record<string, unknown>;
  /** polled between steps: once it names a signal, the run stops there with a checkpoint (StopSignals) */
  stop?: StopRequest;
  /**
   * the configuration this run stored earlier (config.json, a checkpoint's), named by `source`, in
   * the form `runInfo` + train has now, for the resume check (e.g. an older form read as the
   * current one); default: compared as stored
   */
  storedConfig?: (stored: unknown, source: string) => unknown;
}

/** configuration keys a resumed run may change: where the data lives */
const MAY_CHANGE_ON_RESUME = ['dataRoot'];

/** The official evaluation rule (train.py): every evalFreq epochs from max(warm-up, evalFrom). */
export function isOfficialEvalEpoch(config: TrainConfig, epoch: number): boolean {
  return epoch % config.evalFreq === 0 && epoch >= Math.max(config.warmupEpochs, config.evalFrom);
}

/** Evaluation schedule: the official epochs, plus the last epoch so last-epoch metrics always exist. */
export function shouldEvaluate(config: TrainConfig, epoch: number): boolean {
  return epoch === config.epochs - 1 || isOfficialEvalEpoch(config, epoch);
}

function bestBy(history: EvalRecord[], pick: (r: EvalRecord) => number | undefined): EvalRecord | undefined {
  let best: EvalRecord | undefined;
  for (const r of history) {
    const v = pick(r);
    if (v === undefined) continue;
    const b = best && pick(best);
    if (best === undefined || b === undefined || v > b) best = r; // first epoch wins ties, like `>` in train.py
  }
  return best;
}

/** where a run (or its resumption) ran, for its log */
export function environment(): Record<string, unknown> {
  let backend: string;
  try {
    backend = describeBackend(backendInfo());
  } catch {
    backend = `tfjs backend ${tf.getBackend()} (not chosen through initBackend)`;
  }
  const slurm = slurmTask();
  return { backend, node: process.version, time: new Date().toISOString(), ...(slurm ? { slurm } : {}) };
}

export async function train(opts: TrainOptions): Promise<RunMetrics> {
  const config = validateTrainConfig(opts.config);
  const lock = acquireRunLock(opts.runDir.path);
  try {
    return await trainHoldingLock(opts, config, lock.replaced);
  } finally {
    lock.release();
  }
}

async function trainHoldingLock(opts: TrainOptions, config: TrainConfig, staleLock: LockHolder | undefined): Promise<RunMetrics> {
  const { model, loss, data, runDir } = opts;
  const logEvery = opts.logEverySteps ?? 1;
  const runConfig = { ...opts.runInfo, train: config };
  const storedConfig = opts.storedConfig ?? ((stored: unknown) => stored);
  const optimizer = new AdamW(buildParamGroups(model, loss, config.weightDecay), config.adamw);
  const rng = new Sfc32(config.seed);
  const gradScale = groupGradientScales(config.worldSize ?? 1);
  const parts = { model, loss, optimizer, clip: config.clip, gradScale };
  /** SEE_WORKERS: the data-parallel step on worker threads (lib/train/parallel), or trainStep; opened once the resume checks passed */
  let stepper: Stepper | undefined;
  let startEpoch = 0;
  let globalStep = 0;
  let history: EvalRecord[] = [];
  let resumeAt: EpochPosition | undefined;
  let skippedSteps = 0;
  /** where the last checkpoint this run can continue from was taken, for error messages */
  let lastGood: string | undefined;
  /** the step this attempt is at; undefined until it reaches its first batch */
  let at: RunPosition | undefined;
  const t0 = performance.now();
  const save = async (state: Pick<LoopState, 'epoch' | 'inEpoch'>): Promise<void> => {
    await saveCheckpoint(
      runDir.checkpointPath,
      { model, loss, optimizer },
      {
        ...state,
        globalStep,
        rng: rng.getState(),
        extra: { history, config: runConfig, skippedSteps, ...(loss.getRandomState ? { lossRandomState: loss.getRandomState() } : {}) },
      },
    );
    lastGood = state.inEpoch ? `epoch ${state.inEpoch.epoch} after ${state.inEpoch.step} of its steps` : `epoch ${state.epoch}`;
  };
  try {
    const cleaned = { ...(staleLock ? { staleLock } : {}), ...leftovers(runDir.removeStaleTemporaries()) };
    if (opts.resume && runDir.hasCheckpoint()) {
      const ckpt = readCheckpoint(runDir.checkpointPath);
      resumeAt = ckpt.state.inEpoch;
      lastGood = resumeAt ? `epoch ${resumeAt.epoch} after ${resumeAt.step} of its steps` : `epoch ${ckpt.state.epoch}`;
      if (ckpt.state.extra.config !== undefined) {
        const run = `the checkpoint ${runDir.checkpointPath}`;
        assertSameConfig(storedConfig(ckpt.state.extra.config, run), runConfig, { run, now: 'this resume' }, MAY_CHANGE_ON_RESUME);
      }
      await restoreCheckpoint(ckpt, { model, loss, optimizer }, runDir.checkpointPath);
      startEpoch = resumeAt ? resumeAt.epoch : ckpt.state.epoch + 1;
      globalStep = ckpt.state.globalStep;
      rng.setState(ckpt.state.rng);
      history = (ckpt.state.extra.history as EvalRecord[] | undefined) ?? [];
      skippedSteps = (ckpt.state.extra.skippedSteps as number | undefined) ?? 0;
      const lossRandom = ckpt.state.extra.lossRandomState as number[] | undefined;
      if (lossRandom && loss.setRandomState) loss.setRandomState(lossRandom);
      stepper = await openStepper(parts); // before the run folder changes: a worker that fails to start leaves it as it was
      runDir.truncateLogAt({ epoch: startEpoch, step: resumeAt?.step ?? 0 });
      runDir.log({
        kind: 'event',
        epoch: startEpoch,
        step: resumeAt?.step ?? 0,
        event: 'resume',
        fromEpoch: startEpoch,
        checksum: ckpt.checksum,
        ...cleaned,
        ...environment(),
        trainStep: stepper.description,
      });
    } else {
      if (opts.resume && existsSync(runDir.configPath)) {
        assertSameConfig(
          storedConfig(runDir.readConfig(), runDir.configPath),
          runConfig,
          { run: runDir.configPath, now: 'this resume' },
          MAY_CHANGE_ON_RESUME,
        );
      }
      stepper = await openStepper(parts);
      runDir.truncateLogAt({ epoch: 0, step: 0 }); // what an attempt without a checkpoint logged is redone
      runDir.writeConfig(runConfig);
      runDir.log({ kind: 'event', epoch: 0, event: 'start', ...cleaned, ...environment(), trainStep: stepper.description });
    }
    const iters = data.itersPerEpoch;
    const meter = new ThroughputMeter((config.epochs - startEpoch) * iters - (resumeAt?.step ?? 0));
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      loss.setEpoch?.(epoch, config.epochs);
      const within = resumeAt?.epoch === epoch ? resumeAt : undefined;
      const epochSeed = within ? within.epochSeed : rng.nextUint32();
      const epochStart = performance.now();
      let sum = within?.lossSum ?? 0;
      let count = within?.lossCount ?? 0;
      let images = within?.images ?? 0;
      let step = within?.step ?? 0;
      let lrs = groupLearningRates(config, epoch, 1);
      at = { epoch, step };
      const stopHere = async (signal: NodeJS.Signals): Promise<never> => {
        await save({ epoch: epoch - 1, inEpoch: { epoch, step, epochSeed, lossSum: sum, lossCount: count, images } });
        runDir.log({ kind: 'event', epoch, step, event: 'stopped', signal, checkpoint: runDir.checkpointPath });
        throw new RunStoppedError(signal, epoch, step, runDir.checkpointPath);
      };
      for await (const batch of data.epoch(epoch, epochSeed, step)) {
        at = { epoch, step };
        if (step >= iters) {
          tf.dispose([batch.images, batch.labels]);
          throw new Error(`BatchSource gave more than itersPerEpoch=${iters} batches in epoch ${epoch}`);
        }
        // a turn of the event loop: signal handlers (StopSignals) run only there, and a step whose
        // batch and reads are already resolved never yields
        await new Promise<void>((resolve) => setImmediate(resolve));
        const signal = opts.stop?.signal;
        if (signal) {
          tf.dispose([batch.images, batch.labels]);
          await stopHere(signal);
        }
        lrs = groupLearningRates(config, epoch, lrMultiplier(config.lrDecay, globalStep, config.epochs, iters));
        const b = batch.images.shape[0];
        const randomBefore = loss.getRandomState?.();
        let value: number | undefined;
        try {
          value = await stepper.step(batch, lrs, { epoch, step });
        } catch (caught) {
          const err = asNonFiniteStep(caught, epoch, step);
          if (!err) throw caught;
          const detail = describeNonFinite(
            err,
            globalStep,
            await lossTermsOf(model, loss, batch, randomBefore),
            variableLabels(model, loss),
          );
          const skip = config.nonFinite === 'skip';
          runDir.log({ kind: 'event', epoch, step, event: skip ? 'skipped non-finite step' : 'non-finite step', detail });
          if (!skip) {
            err.message = `${detail}. Lower the learning rate or check the data, then --resume; or set train.nonFinite to "skip" to skip such steps`;
            throw err;
          }
          skippedSteps += 1;
        } finally {
          tf.dispose([batch.images, batch.labels]);
        }
        if (value !== undefined) {
          const stats = loss.lastStats?.() ?? {};
          const { imagesPerSecond, etaSeconds } = meter.record(b);
          sum += value;
          count += 1;
          images += b;
          if (step % logEvery === 0) {
            runDir.log({ kind: 'step', epoch, step, globalStep, loss: value, lr: lrs, imagesPerSecond, ...stats });
          }
          const gpu = webgpuMemory();
          const gpuMb = gpu && { inUse: gpu.inUseBytes / 2 ** 20, pooled: gpu.pooledBytes / 2 ** 20 };
          opts.progress?.({
            epoch,
            epochs: config.epochs,
            step,
            stepsPerEpoch: iters,
            loss: value,
            imagesPerSecond,
            etaSeconds,
            ...(gpuMb ? { gpuMb } : {}),
          });
        }
        step += 1;
        globalStep += 1;
      }
      if (step !== iters) throw new Error(`BatchSource gave ${step} batches in epoch ${epoch}, expected itersPerEpoch=${iters}`);
      at = { epoch, step };
      if (opts.stop?.signal) await stopHere(opts.stop.signal); // before the evaluation: it is redone on resume
      const seconds = (performance.now() - epochStart) / 1000;
      runDir.log({ kind: 'epoch', epoch, loss: sum / count, lr: lrs, imagesPerSecond: images / seconds, seconds, globalStep });
      if (shouldEvaluate(config, epoch)) {
        const record: EvalRecord = { epoch, test: await opts.evaluate(model, epoch) };
        if (opts.validate) record.validation = await opts.validate(model, epoch);
        history.push(record);
        runDir.log({ kind: 'eval', ...record });
      }
      if ((epoch + 1) % config.checkpointEvery === 0 || epoch === config.epochs - 1) await save({ epoch });
    }
  } catch (err) {
    if (err instanceof Error && !(err instanceof RunStoppedError)) {
      const where = lastGood
        ? `the last good checkpoint (${lastGood}) is intact at ${runDir.checkpointPath}`
        : 'no checkpoint had been written yet';
      err.message = `${err.message}\nrun ${runDir.id} ${at ? `stopped at epoch ${at.epoch} step ${at.step}` : 'trained nothing in this attempt'}; ${where}`;
      if (at) {
        try {
          runDir.log({ kind: 'event', ...at, event: 'failed', error: err.message });
        } catch {
          /* the log itself may be what failed */
        }
      }
    }
    throw err;
  } finally {
    optimizer.dispose();
    await stepper?.close();
  }
  const last = history[history.length - 1];
  const official = bestBy(
    history.filter((r) => isOfficialEvalEpoch(config, r.epoch)),
    (r) => recallAt1(r.test),
  );
  const best = official ?? last;
  if (!best || !last || last.epoch !== config.epochs - 1) {
    throw new Error(`run ${runDir.id}: no evaluation of the last epoch ${config.epochs - 1} was recorded`);
  }
  const selected = opts.validate ? bestBy(history, (r) => (r.validation ? recallAt1(r.validation) : undefined)) : undefined;
  const metrics: RunMetrics = {
    status: 'finished',
    epochs: config.epochs,
    best,
    bestFrom: official ? 'official' : 'last',
    last,
    ...(selected ? { selectedByValidation: selected } : {}),
    history,
    trainSeconds: (performance.now() - t0) / 1000,
    ...(skippedSteps ? { skippedSteps } : {}),
  };
  runDir.writeMetrics(metrics);
  return metrics;
}

function leftovers(files: string[]): Record<string, unknown> {
  return files.length ? { removedTemporaries: files } : {};
}
