/** The one table of dataset facts, and what derives from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, DATASET_IDS } from '../../lib/experiments/datasets';
import { paperRecall } from '../../lib/experiments/paper_table';
import { PROTOCOLS } from '../../lib/eval/protocols';
import { readInshop } from '../../lib/data/inshop';

test("evaluation protocols derive from the table: the official SEE code's K lists (docs/official-recipe.md §9)", () => {
  // the protocols used to list CUB/Cars K up to 32 and In-Shop K up to 50 (hyp_metric's lists, §11);
  // the kit's runs compute the official SEE code's lists, so the protocols now say the same
  assert.deepEqual(PROTOCOLS.cub.ks, [1, 2, 4, 8]);
  assert.deepEqual(PROTOCOLS.cars.ks, [1, 2, 4, 8]);
  assert.deepEqual(PROTOCOLS.sop.ks, [1, 10, 100, 1000]);
  assert.deepEqual(PROTOCOLS.inshop.ks, [1, 10, 20, 30]);
  for (const id of DATASET_IDS) {
    assert.deepEqual(PROTOCOLS[id].ks, DATASETS[id].evalKs, id);
    assert.equal(PROTOCOLS[id].queryGallery, id === 'inshop', id);
  }
});

test("every K of the paper's table is one the runs compute, and the paper's columns follow the table", () => {
  for (const id of DATASET_IDS) {
    const f = DATASETS[id];
    for (const k of f.paperKs) assert.ok(f.evalKs.includes(k), `${id}: paper K ${k} not among ${f.evalKs}`);
    assert.deepEqual(Object.keys(paperRecall('SEE', 'De^128', id) ?? {}), f.paperKs.map(String), id);
    assert.equal(f.folder, f.layout.split('/')[0], `${id}: layout starts with the folder`);
  }
  assert.equal(DATASETS.sop.counts.train, 59551);
  assert.deepEqual(Object.keys(DATASETS.inshop.counts), ['train', 'query', 'gallery']);
});

test("a reader's missing-folder error quotes the table's layout and download", () => {
  const root = mkdtempSync(join(tmpdir(), 'see-datasets-'));
  try {
    assert.throws(
      () => readInshop(root),
      (e: Error) => e.message.includes(DATASETS.inshop.layout) && e.message.includes(DATASETS.inshop.download),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
