/**
 * The common shape of every dataset reader's output: lists of {path, label} per split, plus
 * a plain comparison with the official counts (never silent: `notices` says what differs).
 * Split protocol: docs/official-recipe.md section 3a (the Proxy-Anchor class split).
 */
import { existsSync, statSync } from 'node:fs';

export interface Sample {
  /** absolute path of the image file */
  path: string;
  /** 0-based class label as the official code has it: train classes 0..K-1; test classes keep
   *  their dataset-wide index (CUB 100-199, Cars 98-195, SOP 11318-22633); In-Shop remaps */
  label: number;
}

export interface DatasetSplit {
  /** dataset name, e.g. 'cub' */
  name: string;
  train: Sample[];
  /** CUB, Cars, SOP: the whole test split (query = gallery); In-Shop: query + gallery */
  test: Sample[];
  /** In-Shop only: the query and gallery parts of `test` (labels remapped jointly) */
  query?: Sample[];
  gallery?: Sample[];
  /** number of distinct train classes (= number of proxies) */
  numTrainClasses: number;
  numTestClasses: number;
  /** differences from the official counts, one sentence each; empty when everything matches */
  notices: string[];
  /** class folder name of each label (folder datasets) */
  classNames?: string[];
  /** files under the dataset folder that are not read (hidden, or not an image extension), relative to it */
  skipped?: string[];
}

/** Official counts to compare against, by part name ('train', 'test', 'query', 'gallery', ...). */
export type ExpectedCounts = Record<string, number>;

/** One notice per part whose count differs from the official one. */
export function checkCounts(name: string, found: ExpectedCounts, expected: ExpectedCounts): string[] {
  const notices: string[] = [];
  for (const [part, want] of Object.entries(expected)) {
    const got = found[part];
    if (got !== want) {
      notices.push(`${name}: ${part} has ${got} (official ${want}); this is not the standard benchmark, results are not comparable with the paper`);
    }
  }
  return notices;
}

/** Throws an error naming the expected layout and the dataset's origin when `dir` is missing. */
export function requireDir(dir: string, dataset: string, layout: string, origin: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`${dataset}: folder ${dir} not found. Expected layout under the data root:\n${layout}\n${origin}`);
  }
}

/** Throws the same kind of error when a required file is missing. */
export function requireFile(file: string, dataset: string, layout: string, origin: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new Error(`${dataset}: file ${file} not found. Expected layout under the data root:\n${layout}\n${origin}`);
  }
}

/** Number of distinct labels. */
export function countClasses(samples: Sample[]): number {
  return new Set(samples.map((s) => s.label)).size;
}
