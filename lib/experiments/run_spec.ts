/**
 * A run specification: everything a run needs, as one JSON-able object. It comes from a row of
 * the table (specFromRow), a JSON file or a run's config.json (./spec_merge.ts), or the demo
 * (./demo_spec.ts); `key.path=value` overrides (the strings of `see-kit train --set`) change it
 * with checks (applyOverrides). buildRun (./build_run.ts) turns it into model, loss, batch source
 * and evaluators; runExperiment (./run_experiment.ts) trains it and writes it to the run's
 * config.json, so `see-kit evaluate` can rebuild the model.
 *
 * The head, the loss and the training mode are named choices from their registries
 * (lib/backbones/heads.ts, lib/losses/registry.ts, ./modes.ts), each with its complete options.
 */
import { getBackboneEntry } from '../backbones/registry';
import { DEFAULT_HEAD, resolveHead, type HeadSpec } from '../backbones/heads';
import { checkFolderSpec, type FolderSpec } from '../data/folder';
import { resolveLoss, type LossSpec } from '../losses/registry';
import { SAMPLERS, type SamplerName } from '../train/dataset_source';
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig, type TrainConfig } from '../train/train_config';
import { DATA_SOURCES, type DataSourceName } from './data_sources';
import { DATASETS } from './datasets';
import { resolveMode, type ModeSpec } from './modes';
import { officialDeit128 } from './recipes';
import { getRow } from './registry';
import { DEFAULT_DATA_ROOT, trainConfigOf } from './row_config';

export type SpecMetric = 'recall' | 'mapAtR' | 'nmi';
const METRICS: readonly SpecMetric[] = ['recall', 'mapAtR', 'nmi'];

/** How the test split is scored besides the K and the metrics (`eval.<key>` in overrides). */
export interface EvalSettings {
  /**
   * the official SEE In-Shop quirk (docs/official-recipe.md 9): gallery item i is hidden from query
   * i, an unrelated image since the two lists are indexed separately. Off by default (the protocol
   * of the In-Shop paper and of hyp_metric); on to copy the official numbers' bias (README,
   * "Reproducing a row": its effect measured on a synthetic In-Shop)
   */
  inshopIndexMask: boolean;
  /** shorter side before the centre crop at evaluation; null: round(side x 256 / 224), the official SEE rule (256 for 224) */
  resize: number | null;
  /** also score the backbone's L2-normalised features ("body" recall, as hyp_metric's evaluate reports beside the head's) */
  bodyRecall: boolean;
}

export const DEFAULT_EVAL: Readonly<EvalSettings> = { inshopIndexMask: false, resize: null, bodyRecall: false };

export interface RunSpec {
  name: string;
  /** table row id (lib/experiments/registry.ts), or null for a free configuration */
  row: string | null;
  /** dataset kind (./data_sources.ts): cub, cars, sop, inshop, glyphs, folder */
  dataset: DataSourceName;
  /** the data root (benchmarks and glyphs are folders under it); for `folder`, the folder of class folders itself */
  dataRoot: string;
  /** dataset "folder" only: how its classes split into training and unseen ones (lib/data/folder.ts; defaults filled in) */
  folder?: FolderSpec;
  /** backbone registry name (lib/backbones/registry.ts) */
  backbone: string;
  /** 'pretrained' (the registry's file), 'none' (from scratch) or a .safetensors path */
  weights: string;
  embeddingDim: number;
  /** the embedding head and its options (lib/backbones/heads.ts) */
  head: HeadSpec;
  /** the loss and its options (lib/losses/registry.ts) */
  loss: LossSpec;
  /** how the run trains (./modes.ts) */
  mode: ModeSpec;
  mPerClass: number;
  /** how training batches are drawn (lib/train/dataset_source.ts): the official SEE sampler, or hyp_metric's one pass over the classes per epoch */
  sampler: SamplerName;
  /** input side; null = the backbone's own */
  imageSize: number | null;
  /** train classes carved off as a validation split (0 = none) */
  validationClasses: number;
  /** 'official': the official transforms (lib/data/transforms.ts trainSpec/evalSpec); 'glyphs': the demo's (glyphTrainSpec/glyphEvalSpec) */
  augmentation: 'official' | 'glyphs';
  evalKs: number[];
  evalMetrics: SpecMetric[];
  eval: EvalSettings;
  train: TrainConfig;
}

/** The training mode of the paper: backbone and head together on images. */
export const DEFAULT_MODE: ModeSpec = resolveMode('end_to_end');

/**
 * The spec of a trainable table row: its recipe, its loss with the row's options. An
 * evaluation-only row (the paper's pretrained feature rows) has the l2_normalize head and the
 * evaluation_only mode; its loss and training settings are the defaults, recorded but not used.
 */
export function specFromRow(id: string, dataRoot = DEFAULT_DATA_ROOT): RunSpec {
  const row = getRow(id);
  if (row.evaluationOnly) {
    return {
      ...defaultSpec(),
      name: row.id,
      row: row.id,
      dataset: row.dataset,
      dataRoot,
      backbone: row.backbone as string,
      train: trainConfigOf(row),
      embeddingDim: row.embeddingDim as number,
      head: resolveHead('l2_normalize'),
      loss: resolveLoss('proxy_anchor'),
      mode: resolveMode('evaluation_only'),
      evalKs: [...DATASETS[row.dataset].evalKs],
    };
  }
  const train = trainConfigOf(row);
  return {
    name: row.id,
    row: row.id,
    dataset: row.dataset,
    dataRoot,
    backbone: row.backbone as string,
    weights: 'pretrained',
    embeddingDim: row.embeddingDim as number,
    head: row.head ? resolveHead(row.head.value.name, row.head.value.options) : structuredClone(DEFAULT_HEAD),
    loss: resolveLoss(row.loss as string, row.lossOptions?.value),
    mode: structuredClone(DEFAULT_MODE),
    mPerClass: row.recipe?.mPerClass.value ?? 2,
    sampler: row.recipe?.sampler.value ?? 'unique_class',
    imageSize: null,
    validationClasses: 0,
    augmentation: 'official',
    evalKs: [...DATASETS[row.dataset].evalKs],
    evalMetrics: ['recall', 'mapAtR'], // MAP@R and R-Precision beside the paper's Recall@K (the Reality Check's metrics)
    eval: { ...DEFAULT_EVAL, resize: row.recipe?.evalResize.value ?? null, bodyRecall: row.recipe?.bodyRecall.value ?? false },
    train,
  };
}

/** Defaults for a free configuration (a JSON file fills in what it wants): SEE De^128 on CUB, the official script's settings. */
export function defaultSpec(): RunSpec {
  return {
    name: 'custom',
    row: null,
    dataset: 'cub',
    dataRoot: DEFAULT_DATA_ROOT,
    backbone: 'deit_small_distilled_patch16_224.fb_in1k',
    weights: 'pretrained',
    embeddingDim: 128,
    head: structuredClone(DEFAULT_HEAD),
    loss: resolveLoss('see_proxy_anchor', officialDeit128('cub').see.value),
    mode: structuredClone(DEFAULT_MODE),
    mPerClass: 2,
    sampler: 'unique_class',
    imageSize: null,
    validationClasses: 0,
    augmentation: 'official',
    evalKs: [...DATASETS.cub.evalKs],
    evalMetrics: ['recall'],
    eval: { ...DEFAULT_EVAL },
    train: { ...DEFAULT_TRAIN_CONFIG },
  };
}

/** What a run's config.json holds besides `train` (the training loop adds it). */
export function runInfoOf(spec: RunSpec): Record<string, unknown> {
  const { train: _train, ...info } = spec;
  return info;
}

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function checkEvalSettings(e: EvalSettings, source: string): void {
  if (e === null || typeof e !== 'object')
    throw new Error(`${source}: eval ${JSON.stringify(e)}, expected { inshopIndexMask, resize, bodyRecall }`);
  for (const k of Object.keys(e))
    if (!(k in DEFAULT_EVAL))
      throw new Error(
        `${source}: unknown key "eval.${k}"; expected one of ${Object.keys(DEFAULT_EVAL)
          .map((x) => `eval.${x}`)
          .join(', ')}`,
      );
  if (typeof e.inshopIndexMask !== 'boolean')
    throw new Error(`${source}: eval.inshopIndexMask ${JSON.stringify(e.inshopIndexMask)}, expected true or false`);
  if (typeof e.bodyRecall !== 'boolean')
    throw new Error(`${source}: eval.bodyRecall ${JSON.stringify(e.bodyRecall)}, expected true or false`);
  if (e.resize !== null && !positiveInt(e.resize))
    throw new Error(`${source}: eval.resize ${JSON.stringify(e.resize)}, expected a positive integer or null (the official 256/224 rule)`);
}

/** Checks every field (errors name the source, the field and what was expected); returns the spec with complete options. */
export function checkSpec(spec: RunSpec, source: string): RunSpec {
  const datasets = Object.keys(DATA_SOURCES);
  if (!datasets.includes(spec.dataset)) throw new Error(`${source}: dataset "${spec.dataset}", expected one of ${datasets.join(', ')}`);
  try {
    getBackboneEntry(spec.backbone);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  if (!positiveInt(spec.embeddingDim)) throw new Error(`${source}: embeddingDim ${spec.embeddingDim}, expected a positive integer`);
  if (!positiveInt(spec.mPerClass)) throw new Error(`${source}: mPerClass ${spec.mPerClass}, expected a positive integer`);
  if (!Number.isInteger(spec.validationClasses) || spec.validationClasses < 0)
    throw new Error(`${source}: validationClasses ${spec.validationClasses}, expected an integer >= 0`);
  if (!SAMPLERS.includes(spec.sampler))
    throw new Error(`${source}: sampler ${JSON.stringify(spec.sampler)}, expected one of ${SAMPLERS.join(', ')}`);
  if (spec.augmentation !== 'official' && spec.augmentation !== 'glyphs')
    throw new Error(`${source}: augmentation ${JSON.stringify(spec.augmentation)}, expected "official" or "glyphs"`);
  if (!Array.isArray(spec.evalKs) || spec.evalKs.length === 0 || !spec.evalKs.every(positiveInt))
    throw new Error(`${source}: evalKs ${JSON.stringify(spec.evalKs)}, expected a list of positive integers`);
  if (!Array.isArray(spec.evalMetrics) || !spec.evalMetrics.every((m) => METRICS.includes(m)))
    throw new Error(`${source}: evalMetrics ${JSON.stringify(spec.evalMetrics)}, expected a list of ${METRICS.join(', ')}`);
  checkEvalSettings(spec.eval, source);
  validateTrainConfig(spec.train, `${source}: train`);
  const { folder, ...rest } = spec;
  if (spec.dataset !== 'folder' && folder !== undefined && folder !== null) {
    throw new Error(
      `${source}: a "folder" section is given, but dataset is "${spec.dataset}"; it splits a dataset "folder" only (remove it, or set dataset to "folder")`,
    );
  }
  try {
    return {
      ...rest,
      ...(spec.dataset === 'folder' ? { folder: checkFolderSpec(folder ?? {}, source) } : {}),
      head: resolveHead(spec.head?.name, spec.head?.options),
      loss: resolveLoss(spec.loss?.name, spec.loss?.options),
      mode: resolveMode(spec.mode?.name, spec.mode?.options),
    };
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}
