/**
 * The dataset kinds a run specification can name (`dataset`): how each is read under the data
 * root, and what is missing when it cannot be. The four benchmarks are read in their native
 * layouts by lib/data with the facts of ./datasets.ts; `glyphs` is the kit's built-in benchmark.
 * Adding a kind: its reader (returning a DatasetSplit, lib/data/split.ts) and one line in DATA_SOURCES.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCars } from '../data/cars';
import { readCub } from '../data/cub';
import { readGlyphs } from '../data/glyphs';
import { readInshop } from '../data/inshop';
import { readSop } from '../data/sop';
import type { DatasetSplit } from '../data/split';
import { DATASETS, type DatasetId } from './datasets';

export interface DataSource {
  title: string;
  /** what is missing under the data root, one sentence each naming what to get and where; [] when ready */
  missing(dataRoot: string): string[];
  read(dataRoot: string): DatasetSplit;
}

function benchmark(id: DatasetId, read: (dataRoot: string) => DatasetSplit): DataSource {
  const facts = DATASETS[id];
  return {
    title: facts.title,
    missing: (root) => (existsSync(join(root, facts.folder)) ? [] : [`dataset folder ${join(root, facts.folder)} is missing: download ${facts.download}`]),
    read,
  };
}

const glyphsManifest = (root: string): string => join(root, 'glyphs', 'manifest.json');

const GLYPHS: DataSource = {
  title: 'glyphs (the kit\'s offline benchmark, lib/data/glyphs.ts)',
  missing: (root) => (existsSync(glyphsManifest(root)) ? []
    : [`glyphs: ${glyphsManifest(root)} is missing; build the benchmark with \`npm run glyphs\` (or \`npm run demo\`, which builds it)`]),
  read: (root) => {
    const manifest = glyphsManifest(root);
    const classes = (JSON.parse(readFileSync(manifest, 'utf8')) as { classes?: unknown[] }).classes;
    if (!Array.isArray(classes)) throw new Error(`glyphs: ${manifest} has no "classes" list`);
    return readGlyphs(join(root, 'glyphs'), classes.length);
  },
};

export const DATA_SOURCES = {
  cub: benchmark('cub', readCub),
  cars: benchmark('cars', readCars),
  sop: benchmark('sop', readSop),
  inshop: benchmark('inshop', readInshop),
  glyphs: GLYPHS,
} satisfies Record<string, DataSource>;

export type DataSourceName = keyof typeof DATA_SOURCES;
