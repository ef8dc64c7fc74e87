/**
 * The training loop of the official recipe (SEE train.py, see-configs.md sections 5-9):
 * epochs of BatchSource batches, per-group learning rates (backbone frozen during warm-up),
 * the loss's epoch hook (SEE threshold schedule) at each epoch start, evaluation every
 * `evalFreq` epochs from max(warmupEpochs, evalFrom) plus the last epoch, best-epoch (by test
 * Recall@1, as the official code reports) and last-epoch metrics, an optional validation split
 * for honest model selection, a checkpoint per `checkpointEvery` epochs, resume, NaN stop.
 */
import { backendInfo, describeBackend, tf } from '../tf';
import type { EmbeddingModel, MetricLoss } from '../types';
import { AdamW } from './adamw';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint';
import { isEpochAware, isStatefulLoss, lossStepStats, recallAt1, type BatchSource, type EvalMetrics, type Evaluator } from './contracts';
import { lrMultiplier } from './lr_schedule';
import { buildParamGroups, groupLearningRates } from './param_groups';
import { ThroughputMeter, type ProgressSink } from './progress';
import { Rng } from './rng';
import type { RunDir } from './run_dir';
import { validateTrainConfig, type TrainConfig } from './train_config';
import { NonFiniteLossError } from './train_step';
import { openStepper } from './parallel/stepper';

export interface EvalRecord {
  epoch: number;
  test: EvalMetrics;
  validation?: EvalMetrics;
}

export interface RunMetrics {
  status: 'finished';
  epochs: number;
  /** epoch with the best test Recall@1 (what the official code reports) */
  best: EvalRecord;
  /** the last epoch */
  last: EvalRecord;
  /** epoch with the best validation Recall@1, when a validation evaluator was given */
  selectedByValidation?: EvalRecord;
  history: EvalRecord[];
  trainSeconds: number;
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
}

/** Evaluation schedule: official rule, plus the last epoch so last-epoch metrics always exist. */
export function shouldEvaluate(config: TrainConfig, epoch: number): boolean {
  if (epoch === config.epochs - 1) return true;
  return epoch % config.evalFreq === 0 && epoch >= Math.max(config.warmupEpochs, config.evalFrom);
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
function environment(): Record<string, unknown> {
  let backend: string;
  try {
    backend = describeBackend(backendInfo());
  } catch {
    backend = `tfjs backend ${tf.getBackend()} (not chosen through initBackend)`;
  }
  return { backend, node: process.version, time: new Date().toISOString() };
}

export async function train(opts: TrainOptions): Promise<RunMetrics> {
  const config = validateTrainConfig(opts.config);
  const { model, loss, data, runDir } = opts;
  const logEvery = opts.logEverySteps ?? 1;
  const optimizer = new AdamW(buildParamGroups(model, loss, config.weightDecay), config.adamw);
  // SEE_WORKERS: the data-parallel step on worker threads (lib/train/parallel), or trainStep
  const stepper = await openStepper({ model, loss, optimizer, clip: config.clip }).catch((err: unknown) => {
    optimizer.dispose();
    throw err;
  });
  const rng = new Rng(config.seed);
  let startEpoch = 0;
  let globalStep = 0;
  let history: EvalRecord[] = [];
  let lastGoodEpoch = -1;
  const t0 = performance.now();
  try {
    if (opts.resume && runDir.hasCheckpoint()) {
      const ckpt = readCheckpoint(runDir.checkpointPath);
      restoreCheckpoint(ckpt, { model, loss, optimizer }, runDir.checkpointPath);
      startEpoch = ckpt.state.epoch + 1;
      globalStep = ckpt.state.globalStep;
      rng.setState(ckpt.state.rng);
      history = (ckpt.state.extra.history as EvalRecord[] | undefined) ?? [];
      const lossRandom = ckpt.state.extra.lossRandomState as number[] | undefined;
      if (lossRandom && isStatefulLoss(loss)) loss.setRandomState(lossRandom);
      lastGoodEpoch = ckpt.state.epoch;
      runDir.truncateLogAfter(ckpt.state.epoch);
      runDir.log({ kind: 'event', epoch: ckpt.state.epoch, event: 'resume', fromEpoch: startEpoch, ...environment(), trainWorkers: stepper.workers });
    } else {
      runDir.writeConfig({ ...opts.runInfo, train: config });
      runDir.log({ kind: 'event', epoch: 0, event: 'start', ...environment(), trainWorkers: stepper.workers });
    }
    const iters = data.itersPerEpoch;
    const meter = new ThroughputMeter((config.epochs - startEpoch) * iters);
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      if (isEpochAware(loss)) loss.setEpoch(epoch, config.epochs);
      const epochSeed = rng.nextUint32();
      const epochStart = performance.now();
      let sum = 0;
      let count = 0;
      let images = 0;
      let step = 0;
      let lrs = groupLearningRates(config, epoch, 1);
      for await (const batch of data.epoch(epoch, epochSeed)) {
        if (step >= iters) {
          tf.dispose([batch.images, batch.labels]);
          throw new Error(`BatchSource gave more than itersPerEpoch=${iters} batches in epoch ${epoch}`);
        }
        lrs = groupLearningRates(config, epoch, lrMultiplier(config.lrDecay, globalStep, config.epochs, iters));
        const b = batch.images.shape[0];
        let value: number;
        try {
          value = await stepper.step(batch, lrs, { epoch, step });
        } catch (err) {
          if (err instanceof NonFiniteLossError) {
            runDir.log({ kind: 'event', epoch, step, event: 'non-finite loss', loss: String(err.lossValue) });
            const where = lastGoodEpoch >= 0
              ? `the last good checkpoint (epoch ${lastGoodEpoch}) is intact at ${runDir.checkpointPath}`
              : 'no checkpoint had been written yet';
            err.message = `${err.message}; ${where}. Lower the learning rate or check the data, then --resume.`;
          }
          throw err;
        } finally {
          tf.dispose([batch.images, batch.labels]);
        }
        const stats = lossStepStats(loss, b);
        const { imagesPerSecond, etaSeconds } = meter.record(b);
        sum += value;
        count += 1;
        images += b;
        if (step % logEvery === 0) {
          runDir.log({ kind: 'step', epoch, step, globalStep, loss: value, lr: lrs, imagesPerSecond, ...stats });
        }
        opts.progress?.({ epoch, epochs: config.epochs, step, stepsPerEpoch: iters, loss: value, imagesPerSecond, etaSeconds });
        step += 1;
        globalStep += 1;
      }
      if (step !== iters) throw new Error(`BatchSource gave ${step} batches in epoch ${epoch}, expected itersPerEpoch=${iters}`);
      const seconds = (performance.now() - epochStart) / 1000;
      runDir.log({ kind: 'epoch', epoch, loss: sum / count, lr: lrs, imagesPerSecond: images / seconds, seconds, globalStep });
      if (shouldEvaluate(config, epoch)) {
        const record: EvalRecord = { epoch, test: await opts.evaluate(model, epoch) };
        if (opts.validate) record.validation = await opts.validate(model, epoch);
        history.push(record);
        runDir.log({ kind: 'eval', ...record });
      }
      if ((epoch + 1) % config.checkpointEvery === 0 || epoch === config.epochs - 1) {
        await saveCheckpoint(runDir.checkpointPath, { model, loss, optimizer }, {
          epoch,
          globalStep,
          rng: rng.getState(),
          extra: { history, ...(isStatefulLoss(loss) ? { lossRandomState: loss.getRandomState() } : {}) },
        });
        lastGoodEpoch = epoch;
      }
    }
  } finally {
    optimizer.dispose();
    await stepper.close();
  }
  const best = bestBy(history, (r) => recallAt1(r.test));
  const last = history[history.length - 1];
  if (!best || !last || last.epoch !== config.epochs - 1) {
    throw new Error(`run ${runDir.id}: no evaluation of the last epoch ${config.epochs - 1} was recorded`);
  }
  const selected = opts.validate ? bestBy(history, (r) => (r.validation ? recallAt1(r.validation) : undefined)) : undefined;
  const metrics: RunMetrics = {
    status: 'finished',
    epochs: config.epochs,
    best,
    last,
    ...(selected ? { selectedByValidation: selected } : {}),
    history,
    trainSeconds: (performance.now() - t0) / 1000,
  };
  runDir.writeMetrics(metrics);
  return metrics;
}
