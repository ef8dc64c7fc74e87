/**
 * CUB-200-2011 in its native layout, read as torchvision's ImageFolder does in the official
 * code (docs/official-recipe.md 3a; the walk is ./class_folders.ts): labels are the sorted
 * class-folder indices; classes 0-99 train, 100-199 test; hidden files (macOS `._` resource
 * forks among them) are skipped.
 */
import { join } from 'node:path';
import { DATASETS } from '../experiments/datasets';
import { IMAGE_EXTENSIONS, scanClassFolders } from './class_folders';
import { checkCounts, requireDir, type DatasetSplit, type Sample } from './split';

const { layout: CUB_LAYOUT, counts: CUB_COUNTS } = DATASETS.cub;
const CUB_ORIGIN = `Download ${DATASETS.cub.download}.`;
const NUM_CLASSES = 200;

/** Reads `<root>/CUB_200_2011/images`. `root` defaults to `data`. */
export function readCub(root = 'data'): DatasetSplit {
  const dir = join(root, 'CUB_200_2011', 'images');
  requireDir(dir, 'cub', CUB_LAYOUT, CUB_ORIGIN);
  const { classes } = scanClassFolders(dir, 'cub');
  if (classes.length !== NUM_CLASSES) {
    throw new Error(`cub: ${dir} has ${classes.length} class folders, expected ${NUM_CLASSES} (${CUB_LAYOUT})`);
  }
  const half = NUM_CLASSES / 2;
  const train: Sample[] = [];
  const test: Sample[] = [];
  classes.forEach(({ name, files }, label) => {
    if (files.length === 0) throw new Error(`cub: class folder ${join(dir, name)} has no images (${IMAGE_EXTENSIONS.join(', ')}); every class needs at least one`);
    for (const path of files) (label < half ? train : test).push({ path, label });
  });
  return {
    name: 'cub', train, test,
    numTrainClasses: half, numTestClasses: NUM_CLASSES - half,
    notices: checkCounts('cub', { train: train.length, test: test.length }, CUB_COUNTS),
  };
}
