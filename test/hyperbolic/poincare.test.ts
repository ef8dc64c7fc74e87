/**
 * The Poincare ball of lib/hyperbolic/poincare.ts against the textbook formulas in float64
 * (./loop_hyp.ts): the head's map (clipping radius, expmap0, projection, the sphere for c = 0),
 * distances (arcosh form), exact zeros and finite gradients for equal points; no tensor left behind.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { poincareDistances, similarities, toEmbeddingSpace } from '../../lib/hyperbolic/poincare';
import { initBackend, tf } from '../../lib/tf';
import { ballPoints, poincareDistance } from './loop_hyp';

before(async () => {
  await initBackend('cpu', { quiet: true });
});

const norms = (t: tf.Tensor2D): number[] => tf.tidy(() => Array.from(tf.norm(t, 2, 1).dataSync()));

test('the head map: clipped to radius 2.3 then tanh(sqrt(c) r) / sqrt(c); short vectors unclipped; projection; c = 0 is L2 normalisation', () => {
  const before = tf.memory().numTensors;
  const c = 0.1;
  const x = tf.tensor2d([
    [30, 40],
    [0.3, 0.4],
    [-3, 0],
  ]); // norms 50, 0.5, 3
  const ball = toEmbeddingSpace(x, c, 2.3);
  const want = [(2.3 * 50) / (50 + 1e-5), 0.5, (2.3 * 3) / (3 + 1e-5)].map((r) => Math.tanh(Math.sqrt(c) * r) / Math.sqrt(c));
  norms(ball).forEach((n, i) => assert.ok(Math.abs(n - want[i]) < 1e-6, `row ${i}: ${n} vs ${want[i]}`));
  const directions = tf.tidy(() => tf.div(ball, tf.norm(ball, 2, 1, true)).arraySync() as number[][]);
  assert.ok(Math.abs(directions[0][0] - 0.6) < 1e-6 && Math.abs(directions[2][0] + 1) < 1e-6, 'the map keeps directions');
  // no clipping (clipR 0) and a large curvature: tanh saturates at 15 and the projection holds the point inside (1 - 1e-3) / sqrt(c)
  const edge = tf.tidy(() => toEmbeddingSpace(tf.tensor2d([[30, 40]]), 4, 0));
  assert.ok(Math.abs(norms(edge)[0] - (1 - 1e-3) / 2) < 1e-6, `projected norm ${norms(edge)[0]}`);
  const sphere = toEmbeddingSpace(x, 0, 2.3);
  norms(sphere).forEach((n) => assert.ok(Math.abs(n - 1) < 1e-6));
  assert.throws(() => toEmbeddingSpace(x, -1, 2.3), /c=-1, expected >= 0/);
  tf.dispose([x, ball, edge, sphere]);
  assert.equal(tf.memory().numTensors, before);
});

test("distances equal the arcosh form in float64 (hyptorch's Mobius form, 1e-5 stabiliser included, to 1e-4); symmetric; 0 on equal points", () => {
  const before = tf.memory().numTensors;
  for (const c of [0.1, 1]) {
    const a = ballPoints(6, 5, c, 3);
    const b = ballPoints(4, 5, c, 4);
    const d = tf.tidy(() => poincareDistances(tf.tensor2d(a), tf.tensor2d(b), c).arraySync()) as number[][];
    a.forEach((x, i) =>
      b.forEach((y, j) => {
        const want = poincareDistance(x, y, c);
        assert.ok(Math.abs(d[i][j] - want) <= 1e-4 * Math.max(want, 1e-3), `c ${c} (${i}, ${j}): ${d[i][j]} vs ${want}`);
      }),
    );
    const self = tf.tidy(() => {
      const t = tf.tensor2d(a);
      return poincareDistances(t, t, c).arraySync();
    }) as number[][];
    self.forEach((row, i) => {
      assert.equal(row[i], 0, 'a point is 0 away from itself');
      row.forEach((v, j) => assert.ok(Math.abs(v - self[j][i]) < 1e-5 * Math.max(v, 1), 'symmetric'));
    });
  }
  assert.equal(tf.memory().numTensors, before);
});

test('gradients through equal points are finite (a view against itself, a duplicated image)', () => {
  const before = tf.memory().numTensors;
  const rows = ballPoints(3, 4, 0.1, 9);
  const x = tf.tidy(() => tf.variable(tf.tensor2d([rows[0], rows[0], rows[1], rows[2]])));
  const { value, grads } = tf.variableGrads(
    () => tf.tidy(() => tf.sum(tf.exp(tf.neg(similarities(x, x, { kind: 'poincare', c: 0.1 }).abs())))) as tf.Scalar,
    [x],
  );
  const g = grads[x.name].dataSync();
  assert.ok(g.every(Number.isFinite), 'finite gradient');
  assert.ok(g.some((v) => v !== 0));
  tf.dispose([x, value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before);
});
