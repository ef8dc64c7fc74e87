/**
 * A run specification: everything `see-kit train` needs, as one JSON-able object. It comes from a
 * registry row (lib/experiments) or a JSON file, then `key.path=value` overrides are applied
 * with type checks. It is written to the run's config.json, so `evaluate` can rebuild the model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DATASETS } from './datasets';
import type { DatasetId } from './datasets';
import { getRow, type LossName } from './registry';
import { DEFAULT_DATA_ROOT, trainConfigOf } from './row_config';
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig, type TrainConfig } from '../train/train_config';

export type SpecDataset = DatasetId | 'glyphs';
export type SpecMetric = 'recall' | 'mapAtR' | 'nmi';

export interface SeeSettings {
  n: number;
  lambda: number;
  maxThresh: number;
  minThresh: number;
  plan: 0 | 1;
}

export interface RunSpec {
  name: string;
  /** registry row id, or null for a free configuration */
  row: string | null;
  dataset: SpecDataset;
  dataRoot: string;
  /** backbone registry name (lib/backbones/registry.ts) */
  backbone: string;
  /** 'pretrained' (the registry's file), 'none' (from scratch) or a .safetensors path */
  weights: string;
  embeddingDim: number;
  loss: LossName;
  see: SeeSettings;
  mPerClass: number;
  /** input side; null = the backbone's own */
  imageSize: number | null;
  /** train classes carved off as a validation split (0 = none) */
  validationClasses: number;
  /** 'official': the official transforms (lib/data/transforms.ts trainSpec/evalSpec); 'glyphs': the demo's (glyphTrainSpec/glyphEvalSpec) */
  augmentation: 'official' | 'glyphs';
  evalKs: number[];
  evalMetrics: SpecMetric[];
  train: TrainConfig;
}

const OFFICIAL_SEE: SeeSettings = { n: 8, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 };

/** The spec of a trainable registry row. */
export function specFromRow(id: string, dataRoot = DEFAULT_DATA_ROOT): RunSpec {
  const row = getRow(id);
  const train = trainConfigOf(row);
  return {
    name: row.id,
    row: row.id,
    dataset: row.dataset,
    dataRoot,
    backbone: row.backbone as string,
    weights: 'pretrained',
    embeddingDim: row.embeddingDim as number,
    loss: row.loss as LossName,
    see: row.recipe?.see.value ?? OFFICIAL_SEE,
    mPerClass: row.recipe?.mPerClass.value ?? 2,
    imageSize: null,
    validationClasses: 0,
    augmentation: 'official',
    evalKs: DATASETS[row.dataset].evalKs,
    evalMetrics: ['recall'],
    train,
  };
}

/** Defaults for a free configuration (a JSON file fills in what it wants). */
export function defaultSpec(): RunSpec {
  return {
    name: 'custom', row: null, dataset: 'cub', dataRoot: DEFAULT_DATA_ROOT,
    backbone: 'deit_small_distilled_patch16_224.fb_in1k', weights: 'pretrained', embeddingDim: 128,
    loss: 'see_proxy_anchor', see: OFFICIAL_SEE, mPerClass: 2, imageSize: null, validationClasses: 0, augmentation: 'official',
    evalKs: [1, 2, 4, 8], evalMetrics: ['recall'], train: { ...DEFAULT_TRAIN_CONFIG },
  };
}

/** A JSON file: either { "row": "<id>", ...overrides } or a full/partial spec over defaultSpec(). */
export function readSpecFile(path: string): RunSpec {
  if (!existsSync(path)) throw new Error(`config file ${path} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`config file ${path}: expected a JSON object`);
  const obj = json as Record<string, unknown>;
  const base = typeof obj.row === 'string' ? specFromRow(obj.row) : defaultSpec();
  return checkSpec(mergeChecked(base as unknown as Record<string, unknown>, obj, path, '') as unknown as RunSpec, path);
}

function mergeChecked(base: Record<string, unknown>, patch: Record<string, unknown>, source: string, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const key = prefix + k;
    if (!(k in base)) throw new Error(`${source}: unknown key "${key}"; expected one of ${Object.keys(base).map((x) => prefix + x).join(', ')}`);
    const cur = base[k];
    if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = mergeChecked(cur as Record<string, unknown>, v as Record<string, unknown>, source, `${key}.`);
    } else {
      if (cur !== null && v !== null && typeof cur !== typeof v) {
        throw new Error(`${source}: "${key}" is ${JSON.stringify(v)} (${typeof v}), expected a ${Array.isArray(cur) ? 'array' : typeof cur} like ${JSON.stringify(cur)}`);
      }
      out[k] = v;
    }
  }
  return out;
}

/** Applies `a.b.c=value` overrides (value parsed as JSON when it parses, else a string). */
export function applyOverrides(spec: RunSpec, overrides: string[]): RunSpec {
  let out = spec as unknown as Record<string, unknown>;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new Error(`override "${o}": expected key=value, e.g. train.epochs=5`);
    const path = o.slice(0, eq).split('.');
    const raw = o.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const patch: Record<string, unknown> = {};
    let cursor = patch;
    path.forEach((p, i) => {
      if (i === path.length - 1) cursor[p] = value;
      else cursor = (cursor[p] = {}) as Record<string, unknown>;
    });
    out = mergeChecked(out, patch, `override "${o}"`, '');
  }
  return checkSpec(out as unknown as RunSpec, 'overrides');
}

/** What a run's config.json holds besides `train` (the training loop adds it). */
export function runInfoOf(spec: RunSpec): Record<string, unknown> {
  const { train: _train, ...info } = spec;
  return info;
}

export function checkSpec(spec: RunSpec, source: string): RunSpec {
  const datasets = [...Object.keys(DATASETS), 'glyphs'];
  if (!datasets.includes(spec.dataset)) throw new Error(`${source}: dataset "${spec.dataset}", expected one of ${datasets.join(', ')}`);
  if (!['see_proxy_anchor', 'proxy_anchor'].includes(spec.loss)) throw new Error(`${source}: loss "${spec.loss}", expected see_proxy_anchor or proxy_anchor`);
  if (!Number.isInteger(spec.embeddingDim) || spec.embeddingDim < 1) throw new Error(`${source}: embeddingDim ${spec.embeddingDim}, expected a positive integer`);
  if (!Number.isInteger(spec.validationClasses) || spec.validationClasses < 0) throw new Error(`${source}: validationClasses ${spec.validationClasses}, expected an integer >= 0`);
  if (spec.augmentation !== 'official' && spec.augmentation !== 'glyphs') throw new Error(`${source}: augmentation ${JSON.stringify(spec.augmentation)}, expected "official" or "glyphs"`);
  validateTrainConfig(spec.train, `${source}: train`);
  return spec;
}
