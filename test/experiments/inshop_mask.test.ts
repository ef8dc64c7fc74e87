/**
 * `eval.inshopIndexMask` (issue 14, item 4): the official SEE code hides gallery item i from query i
 * on In-Shop (docs/official-recipe.md 9). Off by default; on, a run specification reaches the
 * evaluator with it. A model double gives known embeddings in the order the evaluator embeds
 * (queries, then gallery), so the recall with and without the mask is known by hand.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import type { EmbeddingModel } from '../../lib/types';
import type { Sample } from '../../lib/data/split';
import { glyphEvalSpec, glyphTrainSpec } from '../../lib/data/transforms';
import type { BuiltData } from '../../lib/experiments/build_run';
import { buildEvaluators } from '../../lib/experiments/end_to_end';
import { defaultSpec, type RunSpec } from '../../lib/experiments/run_spec';
import { applyOverrides } from '../../lib/experiments/spec_merge';
import { makeJpeg, put, tempDir } from '../data/helpers';

const root = tempDir('see-inshop-mask-');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await initBackend('cpu', { quiet: true });
});

const s = Math.SQRT1_2;
// queries 0, 1, 2 (labels 0, 1, 2) sit on e0, e1, e2; gallery: e0 (0), e1 (1), e2 (2), and a second
// label-0 item between e0 and e1. The mask takes gallery i from query i: query 0 still finds its
// second positive first; queries 1 and 2 lose their only positive.
const QUERY = {
  labels: [0, 1, 2],
  rows: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};
const GALLERY = {
  labels: [0, 1, 2, 0],
  rows: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [s, s, 0],
  ],
};

/** Hands out the rows of `queue` in order, one batch at a time, whatever the images show. */
class QueueModel implements EmbeddingModel {
  readonly embeddingDim = 3;
  private next = 0;
  constructor(private readonly queue: number[][]) {}
  embed(images: tf.Tensor4D): tf.Tensor2D {
    const rows = this.queue.slice(this.next, this.next + images.shape[0]);
    this.next = (this.next + images.shape[0]) % this.queue.length;
    return tf.tensor2d(rows);
  }
  variableGroups(): { backbone: tf.Variable[]; head: tf.Variable[] } {
    return { backbone: [], head: [] };
  }
  namedWeights(): Map<string, tf.Tensor> {
    return new Map();
  }
  dispose(): void {
    /* nothing */
  }
}

async function samples(part: string, labels: number[]): Promise<Sample[]> {
  return Promise.all(labels.map(async (label, i) => ({ path: put(join(root, part, `${i}.jpg`), await makeJpeg(12, 12, i)), label })));
}

async function inshopData(): Promise<BuiltData> {
  const [query, gallery] = [await samples('query', QUERY.labels), await samples('gallery', GALLERY.labels)];
  return {
    split: { train: [], test: [...query, ...gallery], query, gallery, numTrainClasses: 0, notices: [] },
    train: [],
    validation: [],
    numTrainClasses: 0,
    trainSpec: glyphTrainSpec(8),
    evalSpec: glyphEvalSpec(8),
  } as unknown as BuiltData;
}

async function recallAt1(spec: RunSpec, data: BuiltData): Promise<number> {
  const { evaluate } = buildEvaluators(spec, data);
  const m = await evaluate(new QueueModel([...QUERY.rows, ...GALLERY.rows]), 0);
  return m.recallAtK['1'];
}

test('eval.inshopIndexMask: off by default; on, query i loses gallery item i (R@1 1 -> 1/3 here)', async () => {
  const data = await inshopData();
  const base = applyOverrides(defaultSpec(), ['dataset=inshop', 'evalKs=[1]']);
  assert.equal(base.eval.inshopIndexMask, false);
  const before = tf.memory().numTensors;
  assert.equal(await recallAt1(base, data), 1);
  const masked = applyOverrides(base, ['eval.inshopIndexMask=true']);
  assert.equal(masked.eval.inshopIndexMask, true);
  assert.ok(Math.abs((await recallAt1(masked, data)) - 1 / 3) < 1e-12);
  assert.equal(tf.memory().numTensors, before, 'the evaluations leave no tensors');
  // one labelled set has no query/gallery to mask: refused when the evaluators are built
  const cub = applyOverrides(defaultSpec(), ['eval.inshopIndexMask=true']);
  assert.throws(
    () => buildEvaluators(cub, { ...data, split: { ...data.split, query: undefined, gallery: undefined } }),
    /eval\.inshopIndexMask applies to query\/gallery datasets \(In-Shop\); cub is one labelled set/,
  );
  assert.throws(() => applyOverrides(base, ['eval.inshopIndexMask=1']), /eval\.inshopIndexMask/);
});
