/**
 * Your own images as a dataset (`dataset: "folder"`): `<root>/<class name>/<images at any depth>`,
 * read in ImageFolder order (./class_folders.ts). The classes split into seen (training) and
 * unseen (test) classes as the run specification's `folder` section says: the first or last half
 * of the sorted class names (CUB's rule is the first half), a list of class names, or a fraction
 * of the sorted classes from the start. Training classes are labelled 0..K-1 in sorted order (one
 * proxy each), test classes K.. after them. Optionally each test class's images are split into
 * queries and a gallery (as In-Shop is). Every class needs at least 2 images, so that each image
 * has another of its class to be found.
 */
import { existsSync, statSync } from 'node:fs';
import { scanClassFolders, type ClassFolderScan } from './class_folders';
import type { DatasetSplit, Sample } from './split';

export type ClassSplit = 'firstHalf' | 'lastHalf' | number | string[];

export interface FolderSpec {
  /** the training classes: 'firstHalf' | 'lastHalf' of the sorted class names, a list of class names, or a fraction (0, 1) of the sorted classes from the start */
  trainClasses: ClassSplit;
  /** per test class, the fraction (0, 1) of its images that are queries (the rest: the gallery); null: every test image is ranked against the others */
  queryFraction: number | null;
}

export const DEFAULT_FOLDER_SPEC: FolderSpec = { trainClasses: 'firstHalf', queryFraction: null };

/** what one image of a class needs: another image of its class */
export const MIN_IMAGES_PER_CLASS = 2;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const inOpenUnit = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1;

/** The `folder` section of a run specification, completed with the defaults; errors name `source`, the key and what is accepted. */
export function checkFolderSpec(value: unknown, source: string): FolderSpec {
  if (!isObject(value)) throw new Error(`${source}: "folder" is ${JSON.stringify(value)}, expected { "trainClasses": ..., "queryFraction": ... }`);
  for (const k of Object.keys(value)) {
    if (!(k in DEFAULT_FOLDER_SPEC)) throw new Error(`${source}: unknown key "folder.${k}"; expected folder.trainClasses, folder.queryFraction`);
  }
  const spec = { ...DEFAULT_FOLDER_SPEC, ...value } as FolderSpec;
  const t = spec.trainClasses;
  const listOk = Array.isArray(t) && t.length > 0 && t.every((c) => typeof c === 'string') && new Set(t).size === t.length;
  if (!(t === 'firstHalf' || t === 'lastHalf' || inOpenUnit(t) || listOk)) {
    throw new Error(`${source}: folder.trainClasses ${JSON.stringify(t)}, expected "firstHalf", "lastHalf", a fraction between 0 and 1 (exclusive), or a list of distinct class folder names`);
  }
  if (spec.queryFraction !== null && !inOpenUnit(spec.queryFraction)) {
    throw new Error(`${source}: folder.queryFraction ${JSON.stringify(spec.queryFraction)}, expected null or a fraction between 0 and 1 (exclusive)`);
  }
  return { trainClasses: Array.isArray(t) ? [...t] : t, queryFraction: spec.queryFraction };
}

/** Names of the training classes among the sorted `classes`. */
function trainClassNames(classes: string[], split: ClassSplit, root: string, name: string): Set<string> {
  const n = classes.length;
  if (Array.isArray(split)) {
    const unknown = split.filter((c) => !classes.includes(c));
    if (unknown.length) {
      throw new Error(`${name}: folder.trainClasses names ${unknown.map((c) => `"${c}"`).join(', ')}, not a class folder of ${root} (its classes: ${classes.join(', ')})`);
    }
    return new Set(split);
  }
  const k = split === 'firstHalf' || split === 'lastHalf' ? Math.floor(n / 2) : Math.round(split * n);
  const chosen = split === 'lastHalf' ? classes.slice(n - k) : classes.slice(0, k);
  return new Set(chosen);
}

/** Test images of one class split evenly into `q` queries and the rest gallery (image i is a query when floor((i+1)q/n) > floor(iq/n)). */
function queryPositions(n: number, fraction: number): boolean[] {
  const q = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 1) * q) / n) > Math.floor((i * q) / n));
}

/** Every class has at least MIN_IMAGES_PER_CLASS images; the error names the class, its folder and what it holds. */
function checkClassSizes(scan: ClassFolderScan, name: string): void {
  for (const c of scan.classes) {
    if (c.files.length >= MIN_IMAGES_PER_CLASS) continue;
    const where = `class "${c.name}" (${scan.root}/${c.name})`;
    const others = scan.skipped.filter((s) => s.startsWith(`${c.name}/`));
    if (c.files.length === 0) {
      throw new Error(`${name}: ${where} has no images${others.length ? ` (it holds ${others.length} other file(s): ${others.slice(0, 3).join(', ')})` : ''}; ` +
        `every class needs at least ${MIN_IMAGES_PER_CLASS} images with one of the extensions .jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp`);
    }
    throw new Error(`${name}: ${where} has only 1 image (${c.files[0]}); every class needs at least ${MIN_IMAGES_PER_CLASS}, so that each image has another of its class to be found`);
  }
}

/** Reads `root` as class folders and splits it as `spec` says. `name` names the dataset in errors and in the split. */
export function readFolder(root: string, spec: FolderSpec, name = 'folder'): DatasetSplit {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`${name}: folder ${root} not found; a folder dataset is <dataRoot>/<class name>/<images>, and "dataRoot" (or --data-root) names that folder`);
  }
  const scan = scanClassFolders(root, name);
  const classes = scan.classes.map((c) => c.name);
  if (classes.length < 2) {
    throw new Error(`${name}: ${root} has ${classes.length} class folder(s)${classes.length ? ` (${classes[0]})` : ''}; it needs at least 2: one or more to train on and one or more unseen ones to test on`);
  }
  checkClassSizes(scan, name);
  const trainNames = trainClassNames(classes, spec.trainClasses, root, name);
  if (trainNames.size === 0 || trainNames.size === classes.length) {
    throw new Error(`${name}: folder.trainClasses ${JSON.stringify(spec.trainClasses)} makes ${trainNames.size} of the ${classes.length} classes of ${root} training classes; ` +
      'at least one must train and at least one must stay unseen for the test');
  }
  // training classes first (labels 0..K-1, one proxy each), then the unseen ones, each group in sorted order
  const ordered = [...classes.filter((c) => trainNames.has(c)), ...classes.filter((c) => !trainNames.has(c))];
  const train: Sample[] = [];
  const unseen: Sample[] = [];
  const query: Sample[] = [];
  const gallery: Sample[] = [];
  ordered.forEach((c, label) => {
    const files = (scan.classes.find((x) => x.name === c) as { files: string[] }).files;
    if (trainNames.has(c)) {
      for (const path of files) train.push({ path, label });
      return;
    }
    const isQuery = spec.queryFraction === null ? null : queryPositions(files.length, spec.queryFraction);
    files.forEach((path, i) => (isQuery ? (isQuery[i] ? query : gallery) : unseen).push({ path, label }));
  });
  return {
    name, train, ...(spec.queryFraction === null ? { test: unseen } : { test: [...query, ...gallery], query, gallery }),
    numTrainClasses: trainNames.size, numTestClasses: classes.length - trainNames.size,
    notices: [], classNames: ordered, skipped: scan.skipped,
  };
}
