/** NMI (scikit-learn arithmetic normalisation) by hand, and seeded k-means++ on separated clusters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, kmeans, nmi } from '../../lib/eval';
import { clustered } from './plain_metrics';

test('nmi: identical up to renaming -> 1; one cluster each -> 1; independent -> 0', () => {
  assert.ok(Math.abs(nmi([0, 0, 1, 1, 2, 2], [5, 5, 9, 9, 7, 7]) - 1) < 1e-12);
  assert.equal(nmi([3, 3, 3], [1, 1, 1]), 1);
  assert.equal(nmi([0, 0, 1, 1], [0, 1, 0, 1]), 0);
  assert.equal(nmi([0, 1, 2, 3], [0, 0, 0, 0]), 0);
});

test('nmi: hand-worked contingency table', () => {
  // A = [0,0,0,1,1,1], B = [0,0,1,1,2,2]; n = 6
  // H(A) = ln 2; H(B) = ln 3; MI = sum p_ij ln(p_ij / (p_i p_j)):
  // cells (0,0) 2/6, (0,1) 1/6, (1,1) 1/6, (1,2) 2/6 with p_A = 1/2, p_B = 1/3
  const mi = (2 / 6) * Math.log(2 / 6 / (1 / 6)) * 2 + (1 / 6) * Math.log(1 / 6 / (1 / 6)) * 2;
  const want = mi / ((Math.log(2) + Math.log(3)) / 2);
  assert.ok(Math.abs(nmi([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - want) < 1e-14);
  assert.ok(Math.abs(nmi([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1]) - want) < 1e-14, 'symmetric');
});

test('nmi: different lengths is an error', () => {
  assert.throws(() => nmi([0, 1], [0]), /different lengths \(2 and 1\)/);
});

test('kmeans: recovers well-separated clusters, deterministic for a seed', () => {
  const { x, y } = clustered(240, 8, 6, 0.05, 7);
  const a = kmeans(x, 8, 6, { seed: 1, restarts: 3 });
  assert.ok(Math.abs(nmi(y, a.assignment) - 1) < 1e-12, 'every cluster is one class');
  const b = kmeans(x, 8, 6, { seed: 1, restarts: 3 });
  assert.deepEqual(a.assignment, b.assignment);
  assert.throws(() => kmeans(x, 8, 241), /k = 241 must be an integer in \[1, 240\]/);
});

test('kmeans: more restarts never give a higher inertia', () => {
  const { x } = clustered(200, 4, 10, 0.6, 9);
  const one = kmeans(x, 4, 10, { seed: 3, restarts: 1 });
  const five = kmeans(x, 4, 10, { seed: 3, restarts: 5 });
  assert.ok(five.inertia <= one.inertia + 1e-9, `${five.inertia} <= ${one.inertia}`);
});

test('evaluate: nmi metric clusters into #classes and scores against the labels', async () => {
  const { x, y } = clustered(180, 8, 5, 0.05, 12);
  const r = await evaluate({ embeddings: x, dim: 8, labels: y }, 'cub', { metrics: ['nmi'], kmeans: { seed: 2 }, onProgress: false });
  assert.ok(Math.abs((r.nmi ?? NaN) - 1) < 1e-12, `nmi ${r.nmi}`);
  assert.equal(r.recall, undefined, 'only the metrics asked for');
});
