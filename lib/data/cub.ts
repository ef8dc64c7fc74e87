/**
 * CUB-200-2011 in its native layout, read as torchvision's ImageFolder does in the official
 * code (docs/official-recipe.md 3a): labels are the sorted class-folder indices; classes 0-99 train,
 * 100-199 test; files whose names start with `._` are skipped.
 * Also reads the glyphs mini benchmark, which uses the same layout (options numClasses, extensions).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS } from '../experiments/datasets';
import { assertUtf8Name } from './safe_path';
import { checkCounts, requireDir, type DatasetSplit, type Sample } from './split';

const { layout: CUB_LAYOUT, counts: CUB_COUNTS } = DATASETS.cub;
const CUB_ORIGIN = `Download ${DATASETS.cub.download}.`;

export interface CubOptions {
  /** class folders expected (200 for CUB); the first half is train */
  numClasses?: number;
  /** accepted image extensions, lower case (ImageFolder's list by default) */
  extensions?: string[];
  /** official image counts to check against; null for datasets other than real CUB */
  expected?: Record<string, number> | null;
  name?: string;
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

/** Reads `<root>/CUB_200_2011/images`. `root` defaults to `data`. */
export function readCub(root = 'data', options: CubOptions = {}): DatasetSplit {
  const numClasses = options.numClasses ?? 200;
  const extensions = options.extensions ?? IMAGE_EXTENSIONS;
  const name = options.name ?? 'cub';
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses % 2 !== 0) {
    throw new Error(`${name}: numClasses ${numClasses} must be an even integer >= 2 (first half train, second half test)`);
  }
  const dir = join(root, 'CUB_200_2011', 'images');
  requireDir(dir, name, CUB_LAYOUT, CUB_ORIGIN);
  // ImageFolder sorts class folders by name (Python string order = code point order)
  const classes = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort(byCodePoint);
  for (const c of classes) assertUtf8Name(c, dir);
  if (classes.length !== numClasses) {
    throw new Error(`${name}: ${dir} has ${classes.length} class folders, expected ${numClasses} (${CUB_LAYOUT})`);
  }
  const half = numClasses / 2;
  const train: Sample[] = [];
  const test: Sample[] = [];
  classes.forEach((cls, label) => {
    const files = readdirSync(join(dir, cls))
      .filter((f) => !f.startsWith('._') && extensions.some((e) => f.toLowerCase().endsWith(e)))
      .sort(byCodePoint);
    if (files.length === 0) throw new Error(`${name}: class folder ${join(dir, cls)} has no images (${extensions.join(', ')}); every class needs at least one`);
    for (const f of files) assertUtf8Name(f, join(dir, cls));
    for (const f of files) {
      const path = join(dir, cls, f);
      if (label < half) train.push({ path, label });
      else test.push({ path, label });
    }
  });
  const expected = options.expected === undefined ? CUB_COUNTS : options.expected;
  return {
    name, train, test,
    numTrainClasses: half, numTestClasses: numClasses - half,
    notices: expected ? checkCounts(name, { train: train.length, test: test.length }, expected) : [],
  };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
