/**
 * From a table row to the TrainConfig the loop runs (lib/train/train_config.ts), and the default
 * data root. (What a row's run needs on disk: missingInputs in ./build_run.ts.)
 */
import { resolve } from 'node:path';
import { parseLrDecay } from '../train/lr_schedule';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../train/train_config';
import type { ExperimentRow } from './registry';

export const DEFAULT_DATA_ROOT = resolve(__dirname, '..', '..', 'data');

/** The resolved training configuration of a trainable row (an evaluation-only row: the defaults, which it does not use). */
export function trainConfigOf(row: ExperimentRow): TrainConfig {
  if (row.status === 'trainable' && row.evaluationOnly) return { ...DEFAULT_TRAIN_CONFIG };
  const r = row.recipe;
  if (row.status !== 'trainable' || !r) throw new Error(`row "${row.id}" is cited (paper numbers only); the kit cannot train it`);
  return {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: r.epochs.value,
    lr: r.lr.value,
    lrBatch: r.lrBatch.value,
    globalBatch: r.globalBatch.value,
    worldSize: r.worldSize.value,
    fcLrScale: r.fcLrScale.value,
    warmupEpochs: r.warmupEpochs.value,
    weightDecay: r.weightDecay.value,
    adamw: { ...DEFAULT_TRAIN_CONFIG.adamw, eps: r.adamwEps.value },
    clip: r.clip.value,
    lrDecay: parseLrDecay(r.lrDecay.value, 0.1, r.lrDecayGamma.value),
    evalFreq: r.evalFreq.value,
    evalFrom: r.evalFrom.value,
    seed: r.seed.value,
  };
}
