/**
 * Parity with the official code on recall.json (Proxy-Anchor's Recall@K, scikit-learn's NMI):
 * every case of $REFERENCE_FIXTURES/recall.json, recall exactly equal, NMI of the given
 * assignment to 1e-6. Also runs each case through the worker path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, nmi } from '../../lib/eval';
import { readReference, reportParity } from './fixtures';

interface RecallCase {
  x: number[][];
  y: number[];
  k_list: number[];
  recall: number[];
  assignment: number[];
  nmi: number;
}

test('recall.json: Recall@K exactly and NMI of the given assignment', async () => {
  const cases = readReference<RecallCase[]>('recall.json');
  let checked = 0;
  for (const [i, c] of cases.entries()) {
    const dim = c.x[0]?.length;
    if (!dim || !Array.isArray(c.y) || !Array.isArray(c.k_list)) throw new Error(`recall.json case ${i}: missing x, y or k_list`);
    const data = { embeddings: Float32Array.from(c.x.flat()), dim, labels: c.y };
    const proto = { name: 'reference', ks: c.k_list, metrics: ['recall' as const], queryGallery: false };
    for (const workers of [0, 2]) {
      const r = await evaluate(data, proto, { workers, blockSize: 128, onProgress: false });
      assert.deepEqual(
        r.recall?.map((v) => v.recall),
        c.recall,
        `case ${i}, ${workers} workers: Recall@${c.k_list}`,
      );
    }
    const got = nmi(c.y, c.assignment);
    assert.ok(Math.abs(got - c.nmi) <= 1e-6, `case ${i}: NMI ${got} vs ${c.nmi}`);
    checked++;
  }
  reportParity('recall.json', checked);
});
