/**
 * Parity with the official In-Shop recall (Proxy-Anchor `evaluate_cos_Inshop`) on every case of
 * $REFERENCE_FIXTURES/inshop.json: queries against the gallery, no self-exclusion, exact recall.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../lib/eval';
import { readReference, reportParity } from './fixtures';

interface InshopCase {
  xq: number[][];
  yq: number[];
  xg: number[][];
  yg: number[];
  k_list: number[];
  recall: number[];
}

test('inshop.json: In-Shop Recall@K exactly', async () => {
  const cases = readReference<InshopCase[]>('inshop.json');
  let checked = 0;
  for (const [i, c] of cases.entries()) {
    const dim = c.xq[0]?.length;
    if (!dim || c.xg[0]?.length !== dim) throw new Error(`inshop.json case ${i}: xq and xg must be non-empty with the same width`);
    const r = await evaluate(
      {
        query: { embeddings: Float32Array.from(c.xq.flat()), dim, labels: c.yq },
        gallery: { embeddings: Float32Array.from(c.xg.flat()), dim, labels: c.yg },
      },
      { name: 'reference', ks: c.k_list, metrics: ['recall'], queryGallery: true },
      { workers: 0, onProgress: false },
    );
    assert.deepEqual(
      r.recall?.map((v) => v.recall),
      c.recall,
      `case ${i}: Recall@${c.k_list}`,
    );
    checked++;
  }
  reportParity('inshop.json', checked);
});
