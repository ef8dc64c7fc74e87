/**
 * Parity with the official SEE code (see.json): selection, scores, simplex coefficients,
 * expansions from the injected noise, the three losses and the gradients w.r.t. raw x and raw
 * proxies. Every case of $REFERENCE_FIXTURES/see.json is checked, on cpu and wasm, for the fast path
 * the kit trains with and for the readable one (lib/method/reference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { sphericalExpansion } from '../../lib/method/fast/expansion';
import { simplexCoefficients } from '../../lib/method/coefficients';
import { referenceExpansion, referenceSeeLoss } from '../../lib/method/reference';
import { closeTo, readReference, reportParity } from './fixtures';
import { firstMismatch, gradCloseTo, type SeeCase } from './see_case';

function checkCase(c: SeeCase, k: number): void {
  const where = `see.json case ${k}`;
  const x = tf.tensor2d(c.x);
  const y = tf.tensor1d(c.y, 'int32');
  const p = tf.tensor2d(c.proxies);
  const noise = tf.tensor3d(c.noise);
  const opts = { n: c.n, lambda: c.lam, margin: c.mrg, alpha: c.alpha, plan: c.plan, threshold: c.thresh, noise };
  const e = sphericalExpansion(x, y, p, opts);
  assert.deepEqual(e.selected, c.out.selected, `${where}: selected`);
  assert.deepEqual(e.expanded, c.out.selected, `${where}: expanded`);
  assert.equal(firstMismatch(e.scores, c.out.scores, closeTo), -1, `${where}: scores`);
  assert.deepEqual(Array.from(e.pointLabels), c.out.expansion_labels, `${where}: expansion labels`);
  const bw = simplexCoefficients(c.n);
  assert.equal(
    firstMismatch(
      bw.flatMap((r) => Array.from(r)),
      c.out.bweights.flat(),
      closeTo,
    ),
    -1,
    `${where}: bweights`,
  );
  const pts = e.points.dataSync();
  assert.deepEqual(e.points.shape, [c.out.expansions.length, c.d], `${where}: expansions shape`);
  const bad = firstMismatch(pts, c.out.expansions.flat(), closeTo);
  assert.equal(bad, -1, `${where}: expansions differ at flat index ${bad}: ${pts[bad]} vs ${c.out.expansions.flat()[bad]}`);
  e.points.dispose();
  e.labels.dispose();

  const r = seeProxyAnchorLoss(x, y, p, opts);
  assert.ok(
    closeTo(r.batchLoss.dataSync()[0], c.out.batch_loss),
    `${where}: batch_loss ${r.batchLoss.dataSync()[0]} vs ${c.out.batch_loss}`,
  );
  assert.ok(closeTo(r.augLoss.dataSync()[0], c.out.aug_loss), `${where}: aug_loss ${r.augLoss.dataSync()[0]} vs ${c.out.aug_loss}`);
  assert.ok(closeTo(r.loss.dataSync()[0], c.out.total), `${where}: total ${r.loss.dataSync()[0]} vs ${c.out.total}`);
  tf.dispose([r.loss, r.batchLoss, r.augLoss]);

  const [gx, gp] = tf.grads((xa: tf.Tensor, pa: tf.Tensor) => seeProxyAnchorLoss(xa as tf.Tensor2D, y, pa as tf.Tensor2D, opts).loss)([
    x,
    p,
  ]);
  const gxd = gx.dataSync();
  const gpd = gp.dataSync();
  const gxe = c.out.grad_x.flat();
  const gpe = c.out.grad_proxies.flat();
  let i = firstMismatch(gxd, gxe, gradCloseTo(gxe, closeTo));
  assert.equal(i, -1, `${where}: grad_x differs at ${i}: ${gxd[i]} vs ${c.out.grad_x.flat()[i]}`);
  i = firstMismatch(gpd, gpe, gradCloseTo(gpe, closeTo));
  assert.equal(i, -1, `${where}: grad_proxies differs at ${i}: ${gpd[i]} vs ${c.out.grad_proxies.flat()[i]}`);
  tf.dispose([x, y, p, noise, gx, gp]);
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`SEE matches the official code on every see.json case (${backend})`, async () => {
    await initBackend(backend, { quiet: true });
    const cases = readReference<SeeCase[]>('see.json');
    assert.ok(Array.isArray(cases), 'see.json must be a list of cases');
    const before = tf.memory().numTensors;
    cases.forEach((c, k) => tf.tidy(() => checkCase(c, k)));
    assert.equal(tf.memory().numTensors, before, 'see parity leaked tensors');
    reportParity('see.json', cases.length);
  });
}

/** The readable per-sample method against the same official outputs. */
async function checkReferenceCase(c: SeeCase, k: number): Promise<void> {
  const where = `see.json case ${k} (lib/method/reference.ts)`;
  const [x, y, p, noise] = [tf.tensor2d(c.x), tf.tensor1d(c.y, 'int32'), tf.tensor2d(c.proxies), tf.tensor3d(c.noise)];
  const e = await referenceExpansion(x, y, p, { n: c.n, plan: c.plan, threshold: c.thresh, noise });
  assert.deepEqual(e.selected, c.out.selected, `${where}: selected`);
  assert.deepEqual(Array.from(e.pointLabels), c.out.expansion_labels, `${where}: expansion labels`);
  const pts = e.points.dataSync();
  const bad = firstMismatch(pts, c.out.expansions.flat(), closeTo);
  assert.equal(bad, -1, `${where}: expansions differ at flat index ${bad}: ${pts[bad]} vs ${c.out.expansions.flat()[bad]}`);
  const loss = (xa: tf.Tensor, pa: tf.Tensor): tf.Scalar =>
    referenceSeeLoss(xa as tf.Tensor2D, c.y, pa as tf.Tensor2D, e, c.lam, c.mrg, c.alpha);
  const values = tf.tidy(() => [loss(x, p), ...tf.grads(loss)([x, p])]);
  const [total, gx, gp] = [values[0].dataSync()[0], values[1].dataSync(), values[2].dataSync()];
  tf.dispose(values);
  assert.ok(closeTo(total, c.out.total), `${where}: total ${total} vs ${c.out.total}`);
  for (const [got, want, name] of [
    [gx, c.out.grad_x.flat(), 'grad_x'],
    [gp, c.out.grad_proxies.flat(), 'grad_proxies'],
  ] as const) {
    const i = firstMismatch(got, want, gradCloseTo(want, closeTo));
    assert.equal(i, -1, `${where}: ${name} differs at ${i}: ${got[i]} vs ${want[i]}`);
  }
  tf.dispose([x, y, p, noise, e.points]);
}

test('the readable method matches the official code on every see.json case (wasm)', async () => {
  await initBackend('wasm', { quiet: true });
  const cases = readReference<SeeCase[]>('see.json');
  const before = tf.memory().numTensors;
  for (const [k, c] of cases.entries()) await checkReferenceCase(c, k);
  assert.equal(tf.memory().numTensors, before, 'reference parity leaked tensors');
  reportParity('see.json', cases.length);
});
