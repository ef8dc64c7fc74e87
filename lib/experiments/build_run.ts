/**
 * From a run specification to the parts the training loop takes: the dataset split (the data
 * source registry, ./data_sources.ts), an optional validation split carved from the last training
 * classes, the transforms, then the model, batch source and evaluators (the training mode,
 * ./modes.ts) and the loss (the loss registry, lib/losses/registry.ts). Missing data or weights
 * fail first, all of them in one error that says what to download and where.
 */
import { existsSync } from 'node:fs';
import { getBackboneEntry } from '../backbones/registry';
import type { DatasetSplit, Sample } from '../data/split';
import { evalSpec, glyphEvalSpec, glyphTrainSpec, trainSpec, type TransformSpec } from '../data/transforms';
import { DEFAULT_FEATURES_ROOT } from '../features/cache';
import { createLoss } from '../losses/registry';
import type { MetricLoss } from '../types';
import { DATA_SOURCES } from './data_sources';
import { getMode, type ModeContext, type TrainingParts } from './modes';
import type { RunSpec } from './run_spec';

export interface BuiltData {
  split: DatasetSplit;
  train: Sample[];
  validation: Sample[];
  numTrainClasses: number;
  trainSpec: TransformSpec;
  evalSpec: TransformSpec;
}

/** Everything a run trains with; `dispose()` frees the model and the loss. */
export interface BuiltRun extends TrainingParts {
  spec: RunSpec;
  data: BuiltData;
  loss: MetricLoss;
  dispose(): void;
}

/** What the spec needs that is not in place (dataset, weights), one sentence each; [] when ready. */
export function missingInputs(spec: RunSpec): string[] {
  const missing = [...DATA_SOURCES[spec.dataset].missing(spec)];
  if (spec.weights === 'pretrained') {
    const entry = getBackboneEntry(spec.backbone);
    if (!existsSync(entry.weightsFile))
      missing.push(`weights file ${entry.weightsFile} is missing: download ${entry.source} and save it as ${entry.weightsFile}`);
  } else if (spec.weights !== 'none' && !existsSync(spec.weights)) {
    missing.push(
      `weights file ${spec.weights} is missing (the spec's "weights"; "pretrained" means the registry's file, "none" trains from scratch)`,
    );
  }
  return missing;
}

/** Moves the last `k` training classes into a validation split (labels stay 0..K-k-1 for training). */
export function carveValidation(train: Sample[], k: number): { train: Sample[]; validation: Sample[]; numTrainClasses: number } {
  const labels = [...new Set(train.map((s) => s.label))].sort((a, b) => a - b);
  if (labels.some((l, i) => l !== i)) throw new Error(`carveValidation: training labels are not 0..${labels.length - 1}`);
  if (k >= labels.length) throw new Error(`validationClasses=${k} leaves no training class (there are ${labels.length})`);
  const cut = labels.length - k;
  return { train: train.filter((s) => s.label < cut), validation: train.filter((s) => s.label >= cut), numTrainClasses: cut };
}

/** The split, the carved validation classes and the transforms; throws naming every missing input. */
export function buildData(spec: RunSpec): BuiltData {
  const missing = missingInputs(spec);
  if (missing.length) throw new Error(`run "${spec.name}" cannot start:\n- ${missing.join('\n- ')}`);
  const split = DATA_SOURCES[spec.dataset].read(spec);
  for (const n of split.notices) process.stderr.write(`notice: ${n}\n`);
  const carved =
    spec.validationClasses > 0
      ? carveValidation(split.train, spec.validationClasses)
      : { train: split.train, validation: [], numTrainClasses: split.numTrainClasses };
  const pre = getBackboneEntry(spec.backbone).preprocessing;
  const size = spec.imageSize ?? pre.inputSize;
  const glyphs = spec.augmentation === 'glyphs';
  if (glyphs && spec.eval.resize !== null) {
    throw new Error(
      `run "${spec.name}": eval.resize=${spec.eval.resize} applies to the official transforms; the glyph transforms resize the whole image to the input side (set eval.resize=null)`,
    );
  }
  const officialEval = evalSpec(size, pre.mean, pre.std);
  if (spec.eval.resize !== null && spec.eval.resize < size)
    throw new Error(`run "${spec.name}": eval.resize=${spec.eval.resize} is smaller than the input side ${size} it is centre-cropped to`);
  return {
    split,
    ...carved,
    trainSpec: glyphs ? glyphTrainSpec(size, pre.mean, pre.std) : trainSpec(spec.backbone, size, pre.mean, pre.std),
    evalSpec: glyphs ? glyphEvalSpec(size, pre.mean, pre.std) : { ...officialEval, resizeTo: spec.eval.resize ?? officialEval.resizeTo },
  };
}

/** The data source's checks of a split a run will train on (a folder's classes against the batch); none for evaluation only. */
export function checkTrainingData(spec: RunSpec, data: BuiltData): void {
  if (!getMode(spec.mode.name).evaluationOnly) DATA_SOURCES[spec.dataset].checkTraining?.(data.split, spec);
}

/**
 * What the spec's training mode must await before it is built (the frozen backbone's features
 * cache: read, or computed and written); undefined for modes that need nothing.
 */
export async function prepareRun(spec: RunSpec, data: BuiltData, context: Partial<ModeContext> = {}): Promise<unknown> {
  const mode = getMode(spec.mode.name);
  return mode.prepare?.(spec, data, spec.mode.options, {
    featuresRoot: context.featuresRoot ?? DEFAULT_FEATURES_ROOT,
    report: context.report,
  });
}

/**
 * Data, model, batch source, evaluators and loss of a run (pass a spec checked by checkSpec; `data`
 * when already read; `prepared`: what prepareRun gave, for a mode that prepares).
 */
export function buildRun(spec: RunSpec, data: BuiltData = buildData(spec), prepared?: unknown): BuiltRun {
  checkTrainingData(spec, data);
  const parts = getMode(spec.mode.name).build(spec, data, spec.mode.options, prepared);
  let loss: MetricLoss;
  try {
    loss = createLoss(spec.loss, {
      numClasses: data.numTrainClasses,
      embeddingDim: spec.embeddingDim,
      seed: spec.train.seed,
      mPerClass: spec.mPerClass,
      geometry: parts.model.geometry,
    });
  } catch (err) {
    parts.model.dispose();
    throw err;
  }
  return {
    spec,
    data,
    ...parts,
    loss,
    dispose(): void {
      parts.model.dispose();
      loss.dispose();
    },
  };
}
