/** Recall@K: against a plain sort-based implementation, hand-worked examples and the tie rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type Protocol } from '../../lib/eval';
import { clustered, plainRecall, rankAll } from './plain_metrics';

const ks = [1, 2, 4, 8, 16, 32];
const proto: Protocol = { name: 'test', ks, metrics: ['recall'], queryGallery: false };

test('one labelled set: equals the sorted top-K on random clustered sets (several block sizes)', async () => {
  for (const [n, dim, classes, sigma, seed, blockSize] of [
    [150, 8, 12, 1.0, 1, 7],
    [211, 16, 30, 0.8, 2, 64],
    [97, 3, 5, 2.0, 3, 2048],
  ]) {
    const { x, y } = clustered(n, dim, classes, sigma, seed);
    const ranked = rankAll(x, y, x, y, dim, (i, j) => i === j);
    const r = await evaluate({ embeddings: x, dim, labels: y }, proto, { workers: 0, blockSize, onProgress: false });
    assert.deepEqual(
      r.recall?.map((v) => v.recall),
      ks.map((k) => plainRecall(ranked, k)),
      `n=${n} block=${blockSize}`,
    );
  }
});

test('query/gallery (In-Shop): equals the sorted top-K, nothing excluded', async () => {
  const q = clustered(80, 12, 10, 1.0, 5);
  const g = clustered(130, 12, 10, 1.0, 5); // same seed -> same centres
  const ranked = rankAll(q.x, q.y, g.x, g.y, 12, () => false);
  const r = await evaluate(
    { query: { embeddings: q.x, dim: 12, labels: q.y }, gallery: { embeddings: g.x, dim: 12, labels: g.y } },
    { name: 't', ks: [1, 10, 20, 50], metrics: ['recall'], queryGallery: true },
    { workers: 0, blockSize: 16, onProgress: false },
  );
  assert.deepEqual(
    r.recall?.map((v) => v.recall),
    [1, 10, 20, 50].map((k) => plainRecall(ranked, k)),
  );
});

test('hand-worked: 4 points on a circle', async () => {
  // angles 0, 10, 30, 100 degrees; labels a, b, a, b
  const deg = [0, 10, 30, 100];
  const x = Float32Array.from(deg.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));
  const y = Int32Array.from([0, 1, 0, 1]);
  // 0: nearest 10(b), 30(a) -> miss@1, hit@2. 10: nearest 0(a), 30(a), then 100(b) -> miss@1, miss@2, hit@3.
  // 30: nearest 10(b), 0(a) -> miss@1, hit@2. 100: nearest 30(a), 10(b) -> miss@1, hit@2.
  const r = await evaluate(
    { embeddings: x, dim: 2, labels: y },
    { name: 'h', ks: [1, 2, 3], metrics: ['recall'], queryGallery: false },
    { workers: 0, onProgress: false },
  );
  assert.deepEqual(r.recall, [
    { k: 1, recall: 0 },
    { k: 2, recall: 0.75 },
    { k: 3, recall: 1 },
  ]);
});

test('ties: an other-label item exactly as similar as the best same-label item does not beat it', async () => {
  // query (1,0); same-label (0.6,0.8) and other-label (0.6,-0.8): exactly equal similarity
  const tie = Float32Array.from([1, 0, 0.6, 0.8, 0.6, -0.8]);
  const y = Int32Array.from([0, 0, 1]);
  const gal = { embeddings: tie.subarray(2), dim: 2, labels: y.subarray(1) };
  const query = { embeddings: tie.subarray(0, 2), dim: 2, labels: y.subarray(0, 1) };
  const p: Protocol = { name: 't', ks: [1], metrics: ['recall'], queryGallery: true };
  const r = await evaluate({ query, gallery: gal }, p, { workers: 0, onProgress: false });
  assert.equal(r.recall?.[0].recall, 1, 'a tie goes to the same-label item');
  // nudge the other-label item by one float32 step towards the query: now strictly more similar
  const nudged = Float32Array.from([0.6, 0.8, Math.fround(0.6 + 2 ** -24), -0.8]);
  const r2 = await evaluate({ query, gallery: { ...gal, embeddings: nudged } }, p, { workers: 0, onProgress: false, normalize: 'never' });
  assert.equal(r2.recall?.[0].recall, 0, 'strictly more similar beats it');
});

test('self is excluded by index, not by similarity: a duplicate of the query with another label still counts', async () => {
  // item 0 and item 1 identical, labels 0 and 1; item 2 label 0 at 20 degrees
  const a = (d: number): number[] => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)];
  const x = Float32Array.from([...a(0), ...a(0), ...a(20)]);
  const r = await evaluate(
    { embeddings: x, dim: 2, labels: [0, 1, 0] },
    { name: 't', ks: [1, 2], metrics: ['recall'], queryGallery: false },
    { workers: 0, onProgress: false },
  );
  // query 0: duplicate (label 1, sim 1) beats item 2 -> miss@1, hit@2; query 1: no same-label item -> miss;
  // query 2: item 0 (label 0) and item 1 (label 1) tie at cos 20 -> tie goes to label 0 -> hit@1
  assert.deepEqual(
    r.recall?.map((v) => v.recall),
    [1 / 3, 2 / 3],
  );
  assert.equal(r.queriesWithoutPositive, 1);
});
