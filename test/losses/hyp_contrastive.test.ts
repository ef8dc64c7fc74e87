/**
 * The Hyp loss against a plain float64 loop (test/hyperbolic/loop_hyp.ts: textbook Poincare distance,
 * loops over view pairs, rows and logits), for 2 and 3 views on the ball and on the sphere; the view
 * layout checks; the registry's factory; no tensor left behind over training steps.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createLoss } from '../../lib/losses/registry';
import { HypContrastiveLoss, viewLayout } from '../../lib/losses/hyp_contrastive';
import { initBackend, tf } from '../../lib/tf';
import { assertNoTensorLeak } from '../helpers/leaks';
import { ballPoints, hypLoss } from '../hyperbolic/loop_hyp';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

const labelsOf = (classes: number, views: number, order: number[] = Array.from({ length: classes }, (_, p) => p)): number[] =>
  order.flatMap((p) => Array.from({ length: views }, () => p));

test('equals the float64 loop: the sum over ordered view pairs of the cross-entropy over [s(i, j), s(i, i) - 1e9 I] / tau', () => {
  for (const [c, tau, classes, views] of [
    [0.1, 0.2, 5, 2],
    [0.1, 0.2, 4, 3],
    [1, 0.5, 3, 4],
    [0, 0.1, 5, 3],
  ] as const) {
    const rows = ballPoints(classes * views, 6, c, 11 + views);
    const loss = new HypContrastiveLoss({ tau, geometry: c === 0 ? { kind: 'sphere' } : { kind: 'poincare', c }, views });
    const labels = labelsOf(
      classes,
      views,
      Array.from({ length: classes }, (_, p) => 7 * p + 3),
    ); // any distinct class ids
    const got = tf.tidy(() => loss.compute(tf.tensor2d(rows), tf.tensor1d(labels, 'int32')).dataSync()[0]);
    const want = hypLoss(rows, classes, views, c, tau);
    assert.ok(Math.abs(got - want) <= 2e-4 * Math.max(1, want), `c ${c}, ${classes} classes x ${views} views: ${got} vs ${want}`);
  }
});

test("views are read from the labels unless the sampler's m is given; a batch in another layout is a clear error", () => {
  assert.deepEqual(viewLayout([4, 4, 4, 9, 9, 9], undefined, 'x'), { classes: 2, views: 3 });
  assert.deepEqual(viewLayout([4, 4, 9, 9], 2, 'x'), { classes: 2, views: 2 });
  assert.throws(
    () => viewLayout([0, 1, 2, 0, 1, 2], undefined, 'L'),
    /L: the batch must be P classes x m views in consecutive rows \(row p\*m \+ v is view v of class p.*m >= 2; its first two labels are 0, 1 \(m = 1\)/,
  );
  assert.throws(() => viewLayout([0, 0, 1, 2, 2, 2], 2, 'L'), /with m = 2; rows 2\.\.3 have labels 1, 2/);
  assert.throws(
    () => viewLayout([0, 0, 1, 1, 0, 0], 2, 'L'),
    /class 0 fills two groups of 2 rows \(the second at row 4\); the P classes of a batch must be distinct/,
  );
  assert.throws(() => viewLayout([0, 0, 0, 1, 1, 1, 2, 2], 3, 'L'), /a batch of 8 rows is not P classes x m views .* with m = 3/);
  const loss = new HypContrastiveLoss({ views: 2 });
  assert.throws(
    () => tf.tidy(() => loss.compute(tf.tensor2d(ballPoints(4, 3, 0, 1)), tf.tensor1d([0, 1, 0, 1], 'int32'))),
    /HypContrastiveLoss: the batch must be P classes x m views .* rows 0\.\.1 have labels 0, 1/,
  );
  assert.throws(
    () => createLoss({ name: 'hyp_contrastive' }, { numClasses: 4, embeddingDim: 8, seed: 0, mPerClass: 1 }),
    /needs at least 2 views \(images\) per class in a batch, got mPerClass = 1/,
  );
  assert.throws(
    () => createLoss({ name: 'hyp_contrastive', options: { tau: 0 } }, { numClasses: 4, embeddingDim: 8, seed: 0 }),
    /option tau=0, expected a number > 0/,
  );
});

test("the registry builds it in the model's geometry (sphere unless the head says otherwise); gradients flow; no leaks over steps", async () => {
  const ball = createLoss(
    { name: 'hyp_contrastive' },
    { numClasses: 4, embeddingDim: 6, seed: 0, mPerClass: 3, geometry: { kind: 'poincare', c: 0.1 } },
  ) as HypContrastiveLoss;
  assert.deepEqual([ball.tau, ball.geometry, ball.views], [0.2, { kind: 'poincare', c: 0.1 }, 3]);
  assert.deepEqual((createLoss({ name: 'hyp_contrastive' }, { numClasses: 4, embeddingDim: 6, seed: 0 }) as HypContrastiveLoss).geometry, {
    kind: 'sphere',
  });
  const x = tf.tidy(() => tf.variable(tf.tensor2d(ballPoints(12, 6, 0.1, 5))));
  const y = tf.tensor1d(labelsOf(4, 3), 'int32');
  const values = await assertNoTensorLeak(
    'hyp_contrastive step',
    () => {
      const { value, grads } = tf.variableGrads(() => ball.compute(x, y), [x]);
      const g = grads[x.name].dataSync();
      assert.ok(g.every(Number.isFinite) && g.some((v) => v !== 0), 'finite, non-zero gradient');
      tf.tidy(() => x.assign(tf.sub(x, tf.mul(grads[x.name], 0.01))));
      const v = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return v;
    },
    5,
  );
  assert.ok(values[values.length - 1] < values[0], `the loss goes down under gradient steps: ${values}`);
  tf.dispose([x, y]);
});
