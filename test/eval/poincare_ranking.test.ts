/**
 * Evaluation ranked by Poincare distance (evaluate's `geometry`, lib/eval/poincare_lift.ts) against
 * plain float64 ranking by the textbook distance (test/hyperbolic/loop_hyp.ts): Recall@K, MAP@R and
 * R-Precision, on one labelled set (own index excluded, in this thread and on two workers) and on
 * query/gallery; points at different radii, so that Poincare and cosine rankings differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from '../../lib/eval';
import { mulberry32 } from '../../lib/random';
import { poincareDistance } from '../hyperbolic/loop_hyp';
import { clustered, plainMapAtR, plainRecall, rankAll } from './plain_metrics';

const C = 0.1;
const KS = [1, 2, 4, 8];

/** clustered unit rows moved to random radii inside the ball of curvature c */
function ballSet(n: number, dim: number, seed: number): { x: Float32Array; y: Int32Array } {
  const { x, y } = clustered(n, dim, 6, 0.9, seed);
  const u = mulberry32(seed + 1);
  for (let i = 0; i < n; i++) {
    const r = (0.05 + 0.9 * u()) / Math.sqrt(C);
    for (let k = 0; k < dim; k++) x[i * dim + k] *= r;
  }
  return { x, y };
}

const byDistance = (a: number[], b: number[]): number => -poincareDistance(a, b, C);

test('one labelled set: Recall@K, MAP@R and R-Precision by Poincare distance equal the plain ranking (0 and 2 workers)', async () => {
  const dim = 5;
  const { x, y } = ballSet(160, dim, 21);
  const ranked = rankAll(x, y, x, y, dim, (i, j) => i === j, byDistance);
  const cosine = rankAll(x, y, x, y, dim, (i, j) => i === j);
  const plain = KS.map((k) => plainRecall(ranked, k));
  assert.notDeepEqual(
    KS.map((k) => plainRecall(cosine, k)),
    plain,
    'the case separates Poincare from cosine ranking',
  );
  for (const workers of [0, 2]) {
    const r = await evaluate(
      { embeddings: x, labels: y, dim },
      { name: 'hyp', ks: KS, metrics: ['recall', 'mapAtR', 'rPrecision'], queryGallery: false },
      { geometry: { kind: 'poincare', c: C }, workers, blockSize: 48, onProgress: false },
    );
    assert.deepEqual(
      r.recall?.map((e) => e.recall),
      plain,
      `${workers} workers`,
    );
    const m = plainMapAtR(ranked);
    assert.ok(Math.abs(r.mapAtR! - m.mapAtR) < 1e-12 && Math.abs(r.rPrecision! - m.rPrecision) < 1e-12, `MAP@R ${r.mapAtR} vs ${m.mapAtR}`);
  }
});

test('query/gallery by Poincare distance; NMI, normalisation and points outside the ball are refused', async () => {
  const dim = 4;
  const q = ballSet(50, dim, 5);
  const g = ballSet(70, dim, 6);
  const ranked = rankAll(q.x, q.y, g.x, g.y, dim, () => false, byDistance);
  const r = await evaluate(
    { query: { embeddings: q.x, labels: q.y, dim }, gallery: { embeddings: g.x, labels: g.y, dim } },
    { name: 'qg', ks: KS, metrics: ['recall'], queryGallery: true },
    { geometry: { kind: 'poincare', c: C }, onProgress: false },
  );
  assert.deepEqual(
    r.recall?.map((e) => e.recall),
    KS.map((k) => plainRecall(ranked, k)),
  );
  const set = { embeddings: q.x, labels: q.y, dim };
  const proto = { name: 'x', ks: [1], metrics: ['recall' as const], queryGallery: false };
  await assert.rejects(
    evaluate(set, { ...proto, metrics: ['nmi'] }, { geometry: { kind: 'poincare', c: C } }),
    /NMI \(k-means\) is not defined for Poincare ranking/,
  );
  await assert.rejects(
    evaluate(set, proto, { geometry: { kind: 'poincare', c: C }, normalize: 'always' }),
    /`normalize` applies to cosine ranking/,
  );
  await assert.rejects(
    evaluate(set, proto, { geometry: { kind: 'poincare', c: 1 }, onProgress: false }),
    /embeddings: row \d+ has c\|x\|\^2 = [\d.]+, outside the Poincare ball of curvature 1/,
  );
});
