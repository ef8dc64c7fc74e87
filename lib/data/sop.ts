/**
 * Stanford Online Products in its native layout, as the official code reads it (docs/official-recipe.md 3a):
 * Ebay_train.txt / Ebay_test.txt, columns `image_id class_id super_class_id path`, header line
 * skipped, label = class_id - 1 (train 0-11317, test 11318-22633); paths relative to the folder.
 */
import { join } from 'node:path';
import { DATASETS } from '../experiments/datasets';
import { pathInside, readUtf8Text } from './safe_path';
import { checkCounts, countClasses, requireDir, requireFile, type DatasetSplit, type Sample } from './split';

const { layout: SOP_LAYOUT, counts: SOP_COUNTS } = DATASETS.sop;
const SOP_ORIGIN = `Download ${DATASETS.sop.download}.`;

/** Parses one Ebay_*.txt list into samples; `file` names the list in errors. */
export function parseEbayList(text: string, dir: string, file: string): Sample[] {
  const lines = text.split(/\r?\n/);
  const out: Sample[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const cols = line.split(/\s+/);
    const classId = Number(cols[1]);
    if (cols.length < 4 || !Number.isInteger(classId) || classId < 1) {
      throw new Error(`${file}:${i + 1}: expected "image_id class_id super_class_id path", got "${line}"`);
    }
    out.push({ path: pathInside(dir, cols[3], `${file}:${i + 1}`), label: classId - 1 });
  }
  return out;
}

/** Reads `<root>/Stanford_Online_Products`. `root` defaults to `data`. */
export function readSop(root = 'data'): DatasetSplit {
  const dir = join(root, 'Stanford_Online_Products');
  requireDir(dir, 'sop', SOP_LAYOUT, SOP_ORIGIN);
  const read = (name: string): Sample[] => {
    const file = join(dir, name);
    requireFile(file, 'sop', SOP_LAYOUT, SOP_ORIGIN);
    return parseEbayList(readUtf8Text(file), dir, file);
  };
  const train = read('Ebay_train.txt');
  const test = read('Ebay_test.txt');
  return {
    name: 'sop', train, test,
    numTrainClasses: countClasses(train), numTestClasses: countClasses(test),
    notices: checkCounts('sop', { train: train.length, test: test.length }, SOP_COUNTS),
  };
}
