/**
 * The dataset kinds a run specification can name (`dataset`): how each is read, and what is
 * missing when it cannot be. The four benchmarks are read in their native layouts by lib/data
 * with the facts of ./datasets.ts; `folder` is any folder of class folders (lib/data/folder.ts,
 * `dataRoot` names it, the `folder` section splits it); `glyphs`, the kit's built-in benchmark, is
 * such a folder under the data root, split as CUB is. A folder's training classes must fill the
 * sampler's batch: train.globalBatch / mPerClass different classes per batch.
 * Adding a kind: its reader (returning a DatasetSplit, lib/data/split.ts) and one line in DATA_SOURCES.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCars } from '../data/cars';
import { readCub } from '../data/cub';
import { DEFAULT_FOLDER_SPEC, readFolder, type FolderSpec } from '../data/folder';
import { GLYPH_CLASS_SPLIT, glyphImageDir } from '../data/glyphs';
import { readInshop } from '../data/inshop';
import { readSop } from '../data/sop';
import type { DatasetSplit } from '../data/split';
import type { TrainConfig } from '../train/train_config';
import { DATASETS, type DatasetId } from './datasets';
import { DEFAULT_DATA_ROOT } from './row_config';
import type { RunSpec } from './run_spec';

/** What a data source reads of a run specification. */
export type DataSpec = Pick<RunSpec, 'dataRoot' | 'folder' | 'mPerClass' | 'validationClasses'> & {
  train: Pick<TrainConfig, 'globalBatch'>;
};

export interface DataSource {
  title: string;
  /** what is missing, one sentence each naming what to get and where; [] when ready */
  missing(spec: DataSpec): string[];
  read(spec: DataSpec): DatasetSplit;
  /** before a run trains on the split (not for evaluation only): throws naming what does not fit */
  checkTraining?(split: DatasetSplit, spec: DataSpec): void;
}

function benchmark(id: DatasetId, read: (dataRoot: string) => DatasetSplit): DataSource {
  const facts = DATASETS[id];
  return {
    title: facts.title,
    missing: ({ dataRoot }) =>
      existsSync(join(dataRoot, facts.folder))
        ? []
        : [`dataset folder ${join(dataRoot, facts.folder)} is missing: download ${facts.download}`],
    read: ({ dataRoot }) => read(dataRoot),
  };
}

/** A batch draws globalBatch / mPerClass different classes: a folder with fewer training classes is refused, naming the numbers. */
function assertBatchClasses(split: DatasetSplit, spec: DataSpec, root: string): void {
  // (the benchmarks have more classes than a batch draws; the official sampler repeats classes in a batch when not)
  const classes = split.numTrainClasses - spec.validationClasses;
  const perBatch = spec.train.globalBatch / spec.mPerClass;
  if (classes >= perBatch) return;
  throw new Error(
    `${split.name}: ${root} has ${classes} training class(es)${spec.validationClasses ? ` (after the ${spec.validationClasses} validation classes)` : ''}, ` +
      `but a batch of train.globalBatch=${spec.train.globalBatch} images with mPerClass=${spec.mPerClass} draws ${perBatch} different classes; ` +
      `lower train.globalBatch to ${Math.max(classes, 1) * spec.mPerClass} or less, or add class folders`,
  );
}

/** A folder of class folders found by `rootOf`, split by `splitOf`; `missing` says what is wrong with the root. */
function folderSource(
  title: string,
  name: string,
  rootOf: (spec: DataSpec) => string,
  splitOf: (spec: DataSpec) => FolderSpec,
  missing: (root: string) => string[],
): DataSource {
  return {
    title,
    missing: (spec) => missing(rootOf(spec)),
    read: (spec) => readFolder(rootOf(spec), splitOf(spec), name),
    checkTraining: (split, spec) => assertBatchClasses(split, spec, rootOf(spec)),
  };
}

const FOLDER = folderSource(
  'your own images: <dataRoot>/<class name>/<images> (lib/data/folder.ts)',
  'folder',
  (spec) => spec.dataRoot,
  (spec) => spec.folder ?? DEFAULT_FOLDER_SPEC,
  (root) => {
    const isDefault = resolve(root) === DEFAULT_DATA_ROOT;
    if (existsSync(root) && !isDefault) return [];
    return [
      `folder dataset: ${isDefault ? `dataRoot is the kit's data folder ${root}, not a dataset` : `${root} not found`}; ` +
        'set "dataRoot" (or --data-root) to the folder that holds one folder of images per class',
    ];
  },
);

const GLYPHS = folderSource(
  "glyphs (the kit's offline benchmark, lib/data/glyphs.ts), a folder dataset",
  'glyphs',
  (spec) => glyphImageDir(join(spec.dataRoot, 'glyphs')),
  () => GLYPH_CLASS_SPLIT,
  (root) =>
    existsSync(root)
      ? []
      : [`glyphs: ${root} is missing; build the benchmark with \`npm run glyphs\` (or \`npm run demo\`, which builds it)`],
);

export const DATA_SOURCES = {
  cub: benchmark('cub', readCub),
  cars: benchmark('cars', readCars),
  sop: benchmark('sop', readSop),
  inshop: benchmark('inshop', readInshop),
  glyphs: GLYPHS,
  folder: FOLDER,
} satisfies Record<string, DataSource>;

export type DataSourceName = keyof typeof DATA_SOURCES;
