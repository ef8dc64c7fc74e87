/**
 * What a run specification's data is (`see-kit data <config>`): counts per split and per class,
 * the files that are not read, the notices, how batches are drawn, and a sample grid PNG of a
 * few training and unseen classes. Read through buildData, exactly as a run reads it.
 */
import { dirname, basename, join, resolve } from 'node:path';
import type { DatasetSplit, Sample } from '../data/split';
import { UniqueClassSampler } from '../data/sampler';
import { writeFileAtomic } from '../train/atomic_write';
import { sampleGridPng, type GridRow } from '../viz/sample_grid';
import { checkTrainingData, type BuiltData } from './build_run';
import { DATA_SOURCES } from './data_sources';
import type { RunSpec } from './run_spec';

export const DEFAULT_SAMPLES_ROOT = resolve(__dirname, '..', '..', 'data', 'samples');

/** A label's class name: the folder dataset's, else the folder its first image is in. */
function className(split: DatasetSplit, samples: readonly Sample[], label: number): string {
  return split.classNames?.[label] ?? basename(dirname(samples.find((s) => s.label === label)?.path ?? '?'));
}

function byLabel(samples: readonly Sample[]): Map<number, Sample[]> {
  const out = new Map<number, Sample[]>();
  for (const s of samples) {
    const list = out.get(s.label);
    if (list) list.push(s);
    else out.set(s.label, [s]);
  }
  return out;
}

/** "N images of K classes (min-max per class, median m)" */
function counts(samples: readonly Sample[], what: string): string {
  const sizes = [...byLabel(samples).values()].map((l) => l.length).sort((a, b) => a - b);
  if (sizes.length === 0) return `${samples.length} images`;
  return `${samples.length} images of ${sizes.length} ${what} (${sizes[0]}-${sizes[sizes.length - 1]} per class, median ${sizes[Math.floor(sizes.length / 2)]})`;
}

function names(split: DatasetSplit, samples: readonly Sample[], show = 6): string {
  const labels = [...byLabel(samples).keys()];
  const shown = labels.slice(0, show).map((l) => className(split, samples, l));
  return `${shown.join(', ')}${labels.length > show ? `, ... (${labels.length - show} more)` : ''}`;
}

/** Lines describing the data of `spec` as built in `data`. */
export function describeData(spec: RunSpec, data: BuiltData): string[] {
  const { split } = data;
  const lines = [`dataset ${spec.dataset}: ${DATA_SOURCES[spec.dataset].title}; data root ${spec.dataRoot}`];
  if (spec.folder)
    lines.push(
      `class split: trainClasses ${JSON.stringify(spec.folder.trainClasses)}, queryFraction ${JSON.stringify(spec.folder.queryFraction)}`,
    );
  lines.push(`train: ${counts(data.train, 'classes')}: ${names(split, data.train)}`);
  if (data.validation.length)
    lines.push(`validation (carved from the training classes): ${counts(data.validation, 'classes')}: ${names(split, data.validation)}`);
  lines.push(`test: ${counts(split.test, 'unseen classes')}: ${names(split, split.test)}`);
  if (split.query && split.gallery)
    lines.push(`  queries ${split.query.length}, gallery ${split.gallery.length} (each query ranked against the gallery)`);
  else lines.push('  each test image is ranked against the other test images');
  const skipped = split.skipped ?? [];
  if (skipped.length)
    lines.push(
      `not read: ${skipped.length} file(s) hidden or without an image extension: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`,
    );
  for (const n of split.notices) lines.push(`notice: ${n}`);
  const perBatch = spec.train.globalBatch / spec.mPerClass;
  const steps = Math.floor(data.train.length / spec.train.globalBatch);
  lines.push(
    `batches: ${spec.train.globalBatch} images = ${perBatch} classes x ${spec.mPerClass} (of ${data.numTrainClasses}); ${steps} steps per epoch`,
  );
  return lines;
}

/** Up to `count` items spread evenly over `list` (first and last included). */
function spread<T>(list: readonly T[], count: number): T[] {
  if (list.length <= count) return [...list];
  if (count <= 1) return list.slice(0, count);
  return Array.from({ length: count }, (_, i) => list[Math.round((i * (list.length - 1)) / (count - 1))]);
}

/** `count` classes spread over the labels of `samples`, each with up to `perClass` of its images spread over its list. */
function pick(split: DatasetSplit, samples: readonly Sample[], count: number, perClass: number, prefix: string): GridRow[] {
  return spread([...byLabel(samples).entries()], count).map(([label, list]) => ({
    label: `${prefix} ${className(split, samples, label)} (${list.length})`,
    paths: spread(list, perClass).map((s) => s.path),
  }));
}

/** Writes a grid of a few training and unseen classes (their first images) to `path`; returns the rows drawn. */
export async function writeSampleGrid(data: BuiltData, path: string, o: { classes?: number; perClass?: number } = {}): Promise<GridRow[]> {
  const classes = o.classes ?? 8;
  const perClass = o.perClass ?? 8;
  const rows = [
    ...pick(data.split, data.train, Math.ceil(classes / 2), perClass, 'train:'),
    ...pick(data.split, data.split.test, Math.floor(classes / 2), perClass, 'unseen:'),
  ];
  writeFileAtomic(path, await sampleGridPng(rows));
  return rows;
}

/** Where `see-kit data` writes the grid of a spec by default. */
export function defaultGridPath(spec: RunSpec): string {
  return join(DEFAULT_SAMPLES_ROOT, `${spec.name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${spec.dataset}.png`);
}

/** Checks that batches can be drawn as the run will draw them (the data source's and the sampler's errors). */
export function checkBatches(spec: RunSpec, data: BuiltData): void {
  checkTrainingData(spec, data);
  new UniqueClassSampler({ labels: data.train.map((s) => s.label), batchSize: spec.train.globalBatch, mPerClass: spec.mPerClass });
}
