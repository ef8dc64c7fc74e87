/**
 * The effect of the official SEE In-Shop index mask (`eval.inshopIndexMask`, docs/official-recipe.md 9)
 * on a synthetic In-Shop: 3,985 items with the official 14,218 queries and 12,612 gallery images
 * (3 or 4 of each per item), both lists in item order as list_eval_partition.txt gives them, so early
 * on query i and gallery item i often show the same item. Each image is its item's random unit centre
 * plus Gaussian noise (`--noise`, default 1.35 per unit vector, which gives R@1 near 90, as In-Shop rows have).
 * Prints one JSON line: Recall@K (percent) with and without the mask and the difference.
 *
 *   node --import tsx scripts/inshop_mask_effect.ts [--noise 1.35] [--seed 0] [--dim 128]
 */
import { evaluate } from '../lib/eval';
import { gaussian, mulberry32 } from '../lib/random';
import { DATASETS } from '../lib/experiments/datasets';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} ${process.argv[i + 1]}: expected a number`);
  return v;
}

const noise = flag('noise', 1.35);
const seed = flag('seed', 0);
const dim = flag('dim', 128);
const ITEMS = 3985; // test items of In-Shop
const { query: QUERIES, gallery: GALLERY } = DATASETS.inshop.counts;

/** per item, how many images of a list: `total` spread as evenly as possible, the extra ones on random items */
function perItem(total: number, uniform: () => number): number[] {
  const base = Math.floor(total / ITEMS);
  const counts = new Array<number>(ITEMS).fill(base);
  const order = Array.from({ length: ITEMS }, (_, i) => i);
  for (let i = ITEMS - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < total - base * ITEMS; k++) counts[order[k]] += 1;
  return counts;
}

const uniform = mulberry32(seed);
const normal = gaussian(uniform);
const centres = Array.from({ length: ITEMS }, () => {
  const c = Float64Array.from({ length: dim }, () => normal());
  const n = Math.hypot(...c);
  return c.map((v) => v / n);
});

/** the images of one list, item by item */
function list(counts: number[]): { embeddings: Float32Array; labels: Int32Array; dim: number } {
  const n = counts.reduce((a, b) => a + b, 0);
  const embeddings = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  let row = 0;
  counts.forEach((count, item) => {
    for (let k = 0; k < count; k++, row++) {
      labels[row] = item;
      for (let d = 0; d < dim; d++) embeddings[row * dim + d] = centres[item][d] + (noise / Math.sqrt(dim)) * normal();
    }
  });
  return { embeddings, labels, dim };
}

async function main(): Promise<void> {
  const query = list(perItem(QUERIES, uniform));
  const gallery = list(perItem(GALLERY, uniform));
  const sameItemAtSameIndex = Array.from(query.labels.subarray(0, gallery.labels.length)).filter((l, i) => l === gallery.labels[i]).length;
  const ks = DATASETS.inshop.evalKs;
  const run = async (mask: boolean): Promise<number[]> => {
    const r = await evaluate({ query, gallery }, 'inshop', { ks, officialInshopMask: mask, onProgress: false });
    return (r.recall ?? []).map((x) => Math.round(x.recall * 1e4) / 100);
  };
  const [plain, masked] = [await run(false), await run(true)];
  console.log(
    JSON.stringify({
      script: 'inshop_mask_effect',
      date: new Date().toISOString(),
      noise,
      seed,
      dim,
      queries: QUERIES,
      gallery: GALLERY,
      items: ITEMS,
      queriesWhoseMaskedItemIsTheSameItem: sameItemAtSameIndex,
      ks,
      recallPercent: plain,
      recallPercentMasked: masked,
      maskedMinusPlain: masked.map((v, i) => Math.round((v - plain[i]) * 100) / 100),
    }),
  );
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
