/**
 * In-Shop Clothes Retrieval in its native layout, as the official code reads it (docs/official-recipe.md 3a):
 * Eval/list_eval_partition.txt read like pandas `read_table(header=1, delim_whitespace=True)`
 * (line 1 is the image count, line 2 the column header `image_name item_id evaluation_status`);
 * train / query / gallery by status; item ids (the number after the last '_') remapped to 0..K-1
 * in numeric order, train on its own, query and gallery jointly; images under `Img/<image_name>`.
 */
import { join } from 'node:path';
import { DATASETS } from '../experiments/datasets';
import { pathInside, readUtf8Text } from './safe_path';
import { checkCounts, requireDir, requireFile, type DatasetSplit, type Sample } from './split';

const { layout: INSHOP_LAYOUT, counts: INSHOP_COUNTS } = DATASETS.inshop;
const INSHOP_ORIGIN = `Download ${DATASETS.inshop.download}.`;

interface Row { path: string; item: number; status: string; line: number }

/** Parses list_eval_partition.txt; `file` names it in errors. */
export function parsePartition(text: string, file: string): Row[] {
  const lines = text.split(/\r?\n/);
  const rows: Row[] = [];
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const [path, itemId, status] = line.split(/\s+/);
    const item = Number((itemId ?? '').split('_').pop());
    if (!status || !Number.isInteger(item) || !['train', 'query', 'gallery'].includes(status)) {
      throw new Error(`${file}:${i + 1}: expected "image_name id_NNNNNNNN train|query|gallery", got "${line}"`);
    }
    rows.push({ path, item, status, line: i + 1 });
  }
  return rows;
}

/** item id -> 0..K-1 in increasing numeric order (np.unique) */
function remap(items: number[]): Map<number, number> {
  return new Map([...new Set(items)].sort((a, b) => a - b).map((x, i) => [x, i]));
}

/** Reads `<root>/Inshop_Clothes`. `root` defaults to `data`. */
export function readInshop(root = 'data'): DatasetSplit {
  const dir = join(root, 'Inshop_Clothes');
  requireDir(dir, 'inshop', INSHOP_LAYOUT, INSHOP_ORIGIN);
  const file = join(dir, 'Eval', 'list_eval_partition.txt');
  requireFile(file, 'inshop', INSHOP_LAYOUT, INSHOP_ORIGIN);
  requireDir(join(dir, 'Img'), 'inshop', INSHOP_LAYOUT, INSHOP_ORIGIN);
  const rows = parsePartition(readUtf8Text(file), file);
  const part = (s: string): Row[] => rows.filter((r) => r.status === s);
  const [trainRows, queryRows, galleryRows] = [part('train'), part('query'), part('gallery')];
  const trainMap = remap(trainRows.map((r) => r.item));
  const testMap = remap([...queryRows, ...galleryRows].map((r) => r.item));
  const toSample = (m: Map<number, number>) => (r: Row): Sample => ({ path: pathInside(join(dir, 'Img'), r.path, `${file}:${r.line}`), label: m.get(r.item) as number });
  const train = trainRows.map(toSample(trainMap));
  const query = queryRows.map(toSample(testMap));
  const gallery = galleryRows.map(toSample(testMap));
  return {
    name: 'inshop', train, test: [...query, ...gallery], query, gallery,
    numTrainClasses: trainMap.size, numTestClasses: testMap.size,
    notices: checkCounts('inshop', { train: train.length, query: query.length, gallery: gallery.length }, INSHOP_COUNTS),
  };
}
