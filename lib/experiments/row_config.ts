/**
 * From a registry row to what the loop runs: the TrainConfig (lib/train/train_config.ts), the
 * loss settings, and a check that the row's dataset folder and weights file are in place, with
 * an error that says what to download and where to put it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLrDecay } from '../train/lr_schedule';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../train/train_config';
import { DATASETS } from './datasets';
import type { ExperimentRow } from './registry';

export const DEFAULT_DATA_ROOT = resolve(__dirname, '..', '..', 'data');

/** The resolved training configuration of a trainable row. */
export function trainConfigOf(row: ExperimentRow): TrainConfig {
  const r = row.recipe;
  if (row.status !== 'trainable' || !r) throw new Error(`row "${row.id}" is cited (paper numbers only); the kit cannot train it`);
  return {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: r.epochs.value,
    lr: r.lr.value,
    globalBatch: r.globalBatch.value,
    fcLrScale: r.fcLrScale.value,
    warmupEpochs: r.warmupEpochs.value,
    weightDecay: r.weightDecay.value,
    lrDecay: parseLrDecay(r.lrDecay.value, 0.1, r.lrDecayGamma.value),
    evalFreq: r.evalFreq.value,
    evalFrom: r.evalFrom.value,
    seed: r.seed.value,
  };
}

/** Missing inputs of a row, one sentence each saying what to download and where; [] when ready. */
export function missingInputs(row: ExperimentRow, dataRoot = DEFAULT_DATA_ROOT): string[] {
  const out: string[] = [];
  const folder = join(dataRoot, row.datasetFolder);
  if (!existsSync(folder)) out.push(`dataset folder ${folder} is missing: download ${DATASETS[row.dataset].download}`);
  if (row.weightsFile && !existsSync(row.weightsFile)) {
    out.push(`weights file ${row.weightsFile} is missing: download the pretrained ${row.backbone} weights (model.safetensors of https://huggingface.co/timm/${row.backbone}) and save them under that name`);
  }
  return out;
}

/** Throws one error listing every missing input of the row. */
export function requireInputs(row: ExperimentRow, dataRoot = DEFAULT_DATA_ROOT): void {
  const missing = missingInputs(row, dataRoot);
  if (missing.length) throw new Error(`row "${row.id}" cannot start:\n- ${missing.join('\n- ')}`);
}
