/**
 * Stanford Cars-196 in its native layout (cars_annos.mat + car_ims/), as the official code reads
 * it (docs/official-recipe.md 3a): label = class - 1; classes 0-97 train, 98-195 test; the image path is
 * the annotation's relative_im_path under the cars196 folder; the official train/test flag is ignored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS } from '../experiments/datasets';
import { matScalar, matString, parseMat } from './mat_reader';
import { pathInside } from './safe_path';
import { checkCounts, countClasses, requireDir, requireFile, type DatasetSplit, type Sample } from './split';

const { layout: CARS_LAYOUT, counts: CARS_COUNTS, trainClasses: CARS_TRAIN_CLASSES } = DATASETS.cars;
const CARS_ORIGIN = `Download ${DATASETS.cars.download}.`;

/** Reads `<root>/cars196`. `root` defaults to `data`. */
export function readCars(root = 'data'): DatasetSplit {
  const dir = join(root, 'cars196');
  requireDir(dir, 'cars', CARS_LAYOUT, CARS_ORIGIN);
  const matFile = join(dir, 'cars_annos.mat');
  requireFile(matFile, 'cars', CARS_LAYOUT, CARS_ORIGIN);
  requireDir(join(dir, 'car_ims'), 'cars', CARS_LAYOUT, CARS_ORIGIN);
  const annos = parseMat(readFileSync(matFile), matFile).get('annotations');
  if (!annos || annos.kind !== 'struct') throw new Error(`${matFile}: no struct array named 'annotations'`);
  for (const f of ['relative_im_path', 'class']) {
    if (!annos.fields.includes(f)) throw new Error(`${matFile}: annotations lack the field '${f}' (fields: ${annos.fields.join(', ')})`);
  }
  const train: Sample[] = [];
  const test: Sample[] = [];
  annos.elements.forEach((a, i) => {
    const where = `${matFile}: annotations(${i + 1})`;
    const path = pathInside(dir, matString(a.relative_im_path, `${where}.relative_im_path`), `${where}.relative_im_path`);
    const cls = matScalar(a.class, `${where}.class`);
    if (!Number.isInteger(cls) || cls < 1) throw new Error(`${where}.class = ${cls}, expected an integer >= 1`);
    const label = cls - 1;
    (label < CARS_TRAIN_CLASSES ? train : test).push({ path, label });
  });
  return {
    name: 'cars', train, test,
    numTrainClasses: countClasses(train), numTestClasses: countClasses(test),
    notices: checkCounts('cars', { train: train.length, test: test.length }, CARS_COUNTS),
  };
}
