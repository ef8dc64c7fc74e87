/** In-Shop: the correct protocol by default, the official SEE quirk (gallery i hidden from query i) on request. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../lib/eval';
import { clustered, plainRecall, rankAll } from './plain_metrics';

test('officialInshopMask hides gallery item i from query i, whatever its label', async () => {
  // query 0 (label 0) has its only same-label gallery item at index 0; query 1's positive is at index 2
  const deg = (d: number): number[] => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)];
  const query = { embeddings: Float32Array.from([...deg(0), ...deg(90)]), dim: 2, labels: [0, 1] };
  const gallery = { embeddings: Float32Array.from([...deg(5), ...deg(80), ...deg(95)]), dim: 2, labels: [0, 2, 1] };
  const ks = [1, 2];
  const correct = await evaluate({ query, gallery }, 'inshop', { ks, onProgress: false });
  // query 0: 5deg (label 0) nearest -> hit@1; query 1: 95 (1) at 5, 80 (2) at 10 -> hit@1
  assert.deepEqual(
    correct.recall?.map((v) => v.recall),
    [1, 1],
  );
  const official = await evaluate({ query, gallery }, 'inshop', { ks, officialInshopMask: true, onProgress: false });
  // query 0 loses its only positive -> miss; query 1 loses gallery 1 (label 2, a negative) -> still a hit
  assert.deepEqual(
    official.recall?.map((v) => v.recall),
    [0.5, 0.5],
  );
  assert.equal(official.queriesWithoutPositive, 1);
});

test('officialInshopMask equals a plain ranking that skips index i', async () => {
  const q = clustered(70, 6, 8, 1.0, 31);
  const g = clustered(90, 6, 8, 1.0, 31);
  const ks = [1, 5, 20];
  const r = await evaluate(
    { query: { embeddings: q.x, dim: 6, labels: q.y }, gallery: { embeddings: g.x, dim: 6, labels: g.y } },
    'inshop',
    { ks, officialInshopMask: true, workers: 0, blockSize: 32, onProgress: false },
  );
  const ranked = rankAll(q.x, q.y, g.x, g.y, 6, (i, j) => i === j);
  assert.deepEqual(
    r.recall?.map((v) => v.recall),
    ks.map((k) => plainRecall(ranked, k)),
  );
});
