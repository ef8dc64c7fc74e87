/**
 * normalizeRows (lib/backbones/normalize_rows.ts), the heads' F.normalize: equal to the tf.norm form
 * it replaced, values and gradient, on wasm and cpu; unit rows; a zero row stays zero (eps 1e-12);
 * no tensors left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRows } from '../../lib/backbones/normalize_rows';
import { seededNormal } from '../../lib/random';
import { initBackend, tf } from '../../lib/tf';
import { assertClose } from './helpers';

const viaNorm = (x: tf.Tensor2D): tf.Tensor2D => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));

for (const backend of ['wasm', 'cpu'] as const) {
  test(`normalizeRows on ${backend}: the tf.norm form's values and gradient; unit rows; a zero row stays zero`, async () => {
    await initBackend(backend, { quiet: true });
    const before = tf.memory().numTensors;
    const values = seededNormal(5 * 7, 3);
    values.fill(0, 14, 21); // row 2 is zero
    const [ours, theirs] = await Promise.all(
      [normalizeRows, viaNorm].map(async (f) => {
        const out = tf.tidy(() => {
          const x = tf.tensor2d(values, [5, 7]);
          const r = tf.tensor2d(seededNormal(5 * 7, 4), [5, 7]);
          const y = f(x);
          const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor2D), r)))(x);
          return [y, g];
        });
        const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
        tf.dispose(out);
        return data;
      }),
    );
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    assertClose(ours[0], theirs[0], `values on ${backend}`, 1e-6);
    for (const row of [0, 1, 3, 4]) {
      const norm = Math.hypot(...ours[0].subarray(row * 7, row * 7 + 7));
      assert.ok(Math.abs(norm - 1) < 1e-6, `row ${row} has norm ${norm}`);
    }
    assert.deepEqual(Array.from(ours[0].subarray(14, 21)), [0, 0, 0, 0, 0, 0, 0], 'the zero row');
    const finiteRows = [0, 1, 3, 4].flatMap((row) => Array.from({ length: 7 }, (_, k) => row * 7 + k));
    assertClose(
      Float32Array.from(finiteRows, (i) => ours[1][i]),
      Float32Array.from(finiteRows, (i) => theirs[1][i]),
      `gradient on ${backend}`,
      1e-5,
    );
  });
}
