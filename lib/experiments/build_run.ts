/**
 * From a RunSpec to the parts the training loop takes: dataset split (lib/data readers), an
 * optional validation split carved from the last training classes, the model (lib/backbones),
 * the loss (lib/losses), the batch source and the evaluators (lib/train adapters over lib/data
 * and lib/eval). Missing data or weights fail early with what to download and where.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddingModel, getBackboneEntry, type BackboneEmbeddingModel } from '../backbones';
import { readCars } from '../data/cars';
import { readCub } from '../data/cub';
import { readGlyphs } from '../data/glyphs';
import { readInshop } from '../data/inshop';
import { readSop } from '../data/sop';
import type { DatasetSplit, Sample } from '../data/split';
import { evalSpec, glyphEvalSpec, glyphTrainSpec, trainSpec, type TransformSpec } from '../data/transforms';
import { DATASETS } from './datasets';
import { ProxyAnchorLoss } from '../losses/proxy_anchor';
import { SeeProxyAnchorLoss } from '../losses/see_proxy_anchor';
import type { BatchSource, Evaluator } from '../train/contracts';
import { datasetEvaluator } from '../train/dataset_evaluator';
import { datasetBatchSource } from '../train/dataset_source';
import type { MetricLoss } from '../types';
import type { RunSpec } from './run_spec';

export interface BuiltData {
  split: DatasetSplit;
  train: Sample[];
  validation: Sample[];
  numTrainClasses: number;
  trainSpec: TransformSpec;
  evalSpec: TransformSpec;
}

export function readSplit(spec: RunSpec): DatasetSplit {
  const root = spec.dataRoot;
  switch (spec.dataset) {
    case 'cub': return readCub(root);
    case 'cars': return readCars(root);
    case 'sop': return readSop(root);
    case 'inshop': return readInshop(root);
    case 'glyphs': {
      const dir = join(root, 'glyphs');
      const manifest = join(dir, 'manifest.json');
      if (!existsSync(manifest)) throw new Error(`glyphs: ${manifest} is missing; build the benchmark with \`npx tsx scripts/make_glyphs.ts\` (or \`npm run demo\`, which builds it)`);
      const classes = (JSON.parse(readFileSync(manifest, 'utf8')) as { classes?: unknown[] }).classes;
      if (!Array.isArray(classes)) throw new Error(`glyphs: ${manifest} has no "classes" list`);
      return readGlyphs(dir, classes.length);
    }
  }
}

/** Moves the last `k` training classes into a validation split (labels stay 0..K-k-1 for training). */
export function carveValidation(train: Sample[], k: number): { train: Sample[]; validation: Sample[]; numTrainClasses: number } {
  const labels = [...new Set(train.map((s) => s.label))].sort((a, b) => a - b);
  if (labels.some((l, i) => l !== i)) throw new Error(`carveValidation: training labels are not 0..${labels.length - 1}`);
  if (k >= labels.length) throw new Error(`validationClasses=${k} leaves no training class (there are ${labels.length})`);
  const cut = labels.length - k;
  return { train: train.filter((s) => s.label < cut), validation: train.filter((s) => s.label >= cut), numTrainClasses: cut };
}

export function buildData(spec: RunSpec): BuiltData {
  const missing: string[] = [];
  if (spec.weights === 'pretrained') {
    const entry = getBackboneEntry(spec.backbone);
    if (!existsSync(entry.weightsFile)) missing.push(`weights file ${entry.weightsFile} is missing: download ${entry.source} and save it as ${entry.weightsFile}`);
  }
  if (spec.dataset !== 'glyphs' && !existsSync(join(spec.dataRoot, DATASETS[spec.dataset].folder))) {
    missing.push(`dataset folder ${join(spec.dataRoot, DATASETS[spec.dataset].folder)} is missing: download ${DATASETS[spec.dataset].download}`);
  }
  if (missing.length) throw new Error(`run "${spec.name}" cannot start:\n- ${missing.join('\n- ')}`);
  const split = readSplit(spec);
  for (const n of split.notices) process.stderr.write(`notice: ${n}\n`);
  const carved = spec.validationClasses > 0
    ? carveValidation(split.train, spec.validationClasses)
    : { train: split.train, validation: [], numTrainClasses: split.numTrainClasses };
  const pre = getBackboneEntry(spec.backbone).preprocessing;
  const size = spec.imageSize ?? pre.inputSize;
  const glyphs = spec.augmentation === 'glyphs';
  return {
    split, ...carved,
    trainSpec: glyphs ? glyphTrainSpec(size, pre.mean, pre.std) : trainSpec(spec.backbone, size, pre.mean, pre.std),
    evalSpec: glyphs ? glyphEvalSpec(size, pre.mean, pre.std) : evalSpec(size, pre.mean, pre.std),
  };
}

export function buildModel(spec: RunSpec): BackboneEmbeddingModel {
  return createEmbeddingModel(spec.backbone, {
    embeddingDim: spec.embeddingDim,
    weights: spec.weights === 'none' ? undefined : spec.weights,
    seed: spec.train.seed,
  });
}

export function buildLoss(spec: RunSpec, numClasses: number): MetricLoss {
  const common = { numClasses, embeddingDim: spec.embeddingDim, seed: spec.train.seed };
  if (spec.loss === 'proxy_anchor') return new ProxyAnchorLoss(common);
  const s = spec.see;
  return new SeeProxyAnchorLoss({ ...common, n: s.n, lambda: s.lambda, plan: s.plan, schedule: { maxThresh: s.maxThresh, minThresh: s.minThresh, lowerBound: 0 } });
}

export function buildSource(spec: RunSpec, data: BuiltData): BatchSource {
  return datasetBatchSource({ samples: data.train, batchSize: spec.train.globalBatch, mPerClass: spec.mPerClass, spec: data.trainSpec });
}

/** Test-split evaluator (unseen classes), and the validation one when a split was carved. */
export function buildEvaluators(spec: RunSpec, data: BuiltData): { evaluate: Evaluator; validate?: Evaluator } {
  const common = { spec: data.evalSpec, metrics: spec.evalMetrics, seed: spec.train.seed };
  const evaluate = data.split.query && data.split.gallery
    ? datasetEvaluator({ ...common, query: data.split.query, gallery: data.split.gallery, ks: spec.evalKs, metrics: spec.evalMetrics.filter((m) => m !== 'nmi') })
    : datasetEvaluator({ ...common, samples: data.split.test, ks: spec.evalKs });
  if (data.validation.length === 0) return { evaluate };
  const maxK = data.validation.length - 1;
  return { evaluate, validate: datasetEvaluator({ ...common, samples: data.validation, ks: spec.evalKs.filter((k) => k <= maxK) }) };
}
