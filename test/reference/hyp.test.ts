/**
 * Parity with the official Hyp code (hyp.json: hyptorch ToPoincare / dist_matrix, hyp_metric's
 * contrastive_loss and get_recall): on every case of $REFERENCE_FIXTURES/hyp.json, the head's map
 * onto the ball (or the sphere, c = 0), Poincare distances, the summed loss over ordered view pairs
 * and its gradient with respect to the head's Linear output, to 1e-4; Recall@K ranked by Poincare
 * distance (dot product for c = 0) exactly. cpu and wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../lib/eval';
import { geometryOf, poincareDistances, toEmbeddingSpace } from '../../lib/hyperbolic/poincare';
import { HypContrastiveLoss } from '../../lib/losses/hyp_contrastive';
import { initBackend, tf } from '../../lib/tf';
import { closeTo, readReference, reportParity } from './fixtures';
import { firstMismatch, gradCloseTo } from './see_case';

interface HypCase {
  hyp_c: number;
  tau: number;
  /** null: no clipping (hyptorch's clip_r=None; the kit's clipR 0) */
  clip_r: number | null;
  classes: number;
  views: number;
  d: number;
  features: number[][];
  out: { ball: number[][]; loss: number; grad_features: number[][]; dist_matrix_first5x7: number[][] | null };
  eval: { x_raw: number[][]; x: number[][]; y: number[]; k_list: number[]; recall: number[] };
}

/**
 * closeTo; gradients also within 1e-4 of their largest entry (gradCloseTo); distances also within
 * 1e-6 of the largest one: hyptorch's distance from a point to itself is 0 or about 1e-6, as the
 * float32 sum of two nearly opposite vectors in its Mobius numerator happens to round (the kit's is 0).
 */
function checkClose(got: ArrayLike<number>, expected: number[][], what: string, kind: 'value' | 'grad' | 'distance' = 'value'): void {
  const flat = expected.flat();
  const largest = flat.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const close =
    kind === 'grad'
      ? gradCloseTo(flat, closeTo)
      : kind === 'distance'
        ? (a: number, b: number) => closeTo(a, b) || Math.abs(a - b) <= 1e-6 * largest
        : closeTo;
  const i = firstMismatch(got, flat, close);
  assert.equal(i, -1, `${what} differs at ${i}: ${got[i]} vs ${flat[i]} (${got.length} values, ${flat.length} expected)`);
}

function checkFormat(c: HypCase, where: string): void {
  const rows = c.classes * c.views;
  if (!Array.isArray(c.features) || c.features.length !== rows || c.features[0]?.length !== c.d) {
    throw new Error(`${where}: "features" must be [classes x views, d] = [${rows}, ${c.d}]`);
  }
  if (!c.eval || !Array.isArray(c.eval.x_raw) || !Array.isArray(c.eval.y) || !Array.isArray(c.eval.k_list)) {
    throw new Error(`${where}: "eval" needs x_raw, x, y, k_list and recall`);
  }
}

async function checkCase(c: HypCase, k: number): Promise<void> {
  const where = `hyp.json case ${k} (c ${c.hyp_c}, ${c.classes} classes x ${c.views} views)`;
  checkFormat(c, where);
  const geometry = geometryOf(c.hyp_c);
  const clipR = c.clip_r ?? 0;
  const features = tf.tidy(() => tf.variable(tf.tensor2d(c.features)));
  // row p*m + v is view v of class p
  const labels = tf.tensor1d(
    Array.from({ length: c.classes * c.views }, (_, i) => Math.floor(i / c.views)),
    'int32',
  );
  const ball = toEmbeddingSpace(features, c.hyp_c, clipR); // [P*m, d]
  checkClose(ball.dataSync(), c.out.ball, `${where}: ball`);
  if (c.out.dist_matrix_first5x7) {
    const dist = tf.tidy(() => poincareDistances(tf.slice(ball, [0, 0], [5, -1]), tf.slice(ball, [0, 0], [7, -1]), c.hyp_c)); // [5, 7]
    checkClose(dist.dataSync(), c.out.dist_matrix_first5x7, `${where}: dist_matrix`, 'distance');
    dist.dispose();
  }
  const loss = new HypContrastiveLoss({ tau: c.tau, geometry, views: c.views });
  const { value, grads } = tf.variableGrads(() => loss.compute(toEmbeddingSpace(features, c.hyp_c, clipR), labels), [features]);
  const v = value.dataSync()[0];
  assert.ok(closeTo(v, c.out.loss), `${where}: loss ${v} vs ${c.out.loss}`);
  checkClose(grads[features.name].dataSync(), c.out.grad_features, `${where}: grad_features`, 'grad');
  // evaluation: the head's map of x_raw, ranked by Poincare distance (c > 0) or dot product (c = 0)
  const x = tf.tidy(() => toEmbeddingSpace(tf.tensor2d(c.eval.x_raw), c.hyp_c, clipR)); // [N, d]
  const xs = (await x.data()) as Float32Array;
  checkClose(xs, c.eval.x, `${where}: eval x`);
  const proto = { name: 'hyp', ks: c.eval.k_list, metrics: ['recall' as const], queryGallery: false };
  for (const [what, embeddings] of [
    ['kit head', xs],
    ['official x', Float32Array.from(c.eval.x.flat())],
  ] as const) {
    const r = await evaluate({ embeddings, labels: c.eval.y, dim: c.d }, proto, { geometry, onProgress: false });
    assert.deepEqual(
      r.recall?.map((e) => e.recall),
      c.eval.recall,
      `${where}: Recall@${c.eval.k_list} of the ${what} points`,
    );
  }
  tf.dispose([features, labels, ball, value, x, ...Object.values(grads)]);
  loss.dispose();
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`Hyp head map, Poincare distances, loss, gradients and recall match the official code on every hyp.json case (${backend})`, async () => {
    await initBackend(backend, { quiet: true });
    const cases = readReference<HypCase[]>('hyp.json');
    assert.ok(Array.isArray(cases), 'hyp.json must be a list of cases');
    const before = tf.memory().numTensors;
    for (const [k, c] of cases.entries()) await checkCase(c, k);
    assert.equal(tf.memory().numTensors, before, 'hyp parity leaked tensors');
    reportParity('hyp.json', cases.length);
  });
}
