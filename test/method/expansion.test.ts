/** The batched expansion against the per-sample loop, its geometry, and its edge cases. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { sphericalExpansion, constantExpansion } from '../../lib/method/fast/expansion';
import { simplexCoefficients, randomSumZeroCoefficients } from '../../lib/method/coefficients';
import { SeededRandom } from '../../lib/random';
import { jsExpansionKernels, withExpansionKernels } from '../../lib/method/fast/kernels';
import { dot, expandOne, l2norm, maxAbsDiff, testMatrix } from './loop_reference';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

function batch(b: number, d: number, c: number, n: number, seed: number) {
  const x = testMatrix(b, d, seed);
  const p = testMatrix(c, d, seed + 1);
  const y = Array.from({ length: b }, (_, i) => (i * 7 + seed) % c);
  const noise = Array.from({ length: b }, (_, i) => testMatrix(n, d, seed * 100 + i));
  return { x, p, y, noise };
}

const cases = [
  { b: 10, d: 16, c: 4, n: 4, plan: 0 as const, thresh: -0.1 },
  { b: 12, d: 40, c: 5, n: 16, plan: 1 as const, thresh: 0.5 },
  { b: 9, d: 8, c: 3, n: 6, plan: 1 as const, thresh: 1.0 },
  // d not a multiple of 8 (the kernels' padded rows); n = 1 (one noise row, none used)
  { b: 6, d: 13, c: 3, n: 5, plan: 0 as const, thresh: -0.2 },
  { b: 5, d: 9, c: 2, n: 1, plan: 1 as const, thresh: 0.6 },
  // many more classes than samples: the own proxies are gathered instead of read whole
  { b: 3, d: 24, c: 400, n: 7, plan: 1 as const, thresh: 1.0 },
];

test('batched expansion equals the per-sample classical Gram-Schmidt loop', () => checkAgainstLoop());

test('the plain JavaScript kernels (the fallback without WebAssembly SIMD) give the same expansion', () => {
  const js = jsExpansionKernels();
  withExpansionKernels(js, () => checkAgainstLoop());
  // and the same points as the WebAssembly kernels from the seeded source (noise drawn in JavaScript there)
  const { x, p, y } = batch(7, 40, 3, 6, 21);
  const run = (): Float32Array =>
    tf.tidy(
      () =>
        sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
          n: 6,
          plan: 0,
          threshold: -2,
          random: new SeededRandom(9),
        }).points.dataSync() as Float32Array,
    );
  const err = maxAbsDiff(run(), Array.from(withExpansionKernels(js, run)));
  assert.ok(err < 1e-5, `max |wasm - js| = ${err}`);
});

function checkAgainstLoop(): void {
  cases.forEach((k, ci) => {
    const { x, p, y, noise } = batch(k.b, k.d, k.c, k.n, 3 + ci);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const e = sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
        n: k.n,
        plan: k.plan,
        threshold: k.thresh,
        noise: tf.tensor3d(noise),
      });
      const coef = simplexCoefficients(k.n).map((r) => Array.from(r));
      const expected: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < k.b; i++) {
        if (!e.selected[i]) continue;
        const z = l2norm(x[i]);
        const w = l2norm(p[y[i]]);
        assert.ok(Math.abs(e.scores[i] - dot(z, w)) < 1e-5, `case ${ci} score ${i}`);
        expected.push(...expandOne(z, w, noise[i], coef));
        labels.push(...new Array(k.n).fill(y[i]));
      }
      assert.ok(labels.length > 0, `case ${ci}: the test batch should expand something`);
      assert.deepEqual(Array.from(e.pointLabels), labels, `case ${ci} labels`);
      const err = maxAbsDiff(e.points.dataSync(), expected.flat());
      assert.ok(err < 1e-4, `case ${ci}: max |batched - loop| = ${err}`); // float32; d = n+2 in case 2
    });
    assert.equal(tf.memory().numTensors, before, `case ${ci}: leaked tensors`);
  });
}

test('synthetic points are unit, keep the anchor cosine, and sit on a regular simplex with it', () => {
  // [B, d, classes, n]: d = 13 and 300 pad the kernels' rows; 300 and 512 draw the noise in wasm
  for (const [bs, d, c, n] of [
    [6, 24, 2, 5],
    [5, 13, 3, 4],
    [4, 300, 3, 6],
    [4, 512, 4, 16],
  ]) {
    geometry(bs, d, c, n);
  }
});

function geometry(bs: number, d: number, classes: number, n: number): void {
  const { x, p, y } = batch(bs, d, classes, n, 11);
  tf.tidy(() => {
    const e = sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
      n,
      plan: 0,
      threshold: -2,
      random: new SeededRandom(4),
    });
    const pts = e.points.arraySync();
    assert.equal(pts.length, bs * n);
    for (let s = 0; s < bs; s++) {
      const z = l2norm(x[s]);
      const w = l2norm(p[y[s]]);
      const c = dot(z, w);
      const group = [z, ...pts.slice(s * n, s * n + n)];
      const res = group.map((v) => v.map((t, i) => t - c * w[i]));
      const rn2 = 1 - c * c;
      group.forEach((v, a) => {
        assert.ok(Math.abs(dot(v, v) - 1) < 1e-5, `d=${d}: point ${s}/${a} not unit`);
        assert.ok(Math.abs(dot(v, w) - c) < 1e-5, `d=${d}: point ${s}/${a} changed the cosine to its proxy`);
        for (let bb = a + 1; bb < group.length; bb++) {
          assert.ok(Math.abs(dot(res[a], res[bb]) / rn2 + 1 / n) < 1e-4, `d=${d}: residuals ${a},${bb} of sample ${s} are not at -1/n`);
        }
      });
    }
  });
}

test('random coefficients: each sample gets its own sum-zero matrix from the seeded source', () => {
  const { x, p, y, noise } = batch(5, 12, 2, 3, 21);
  tf.tidy(() => {
    const e = sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
      n: 3,
      plan: 0,
      threshold: -2,
      noise: tf.tensor3d(noise),
      coefficients: 'random',
      random: new SeededRandom(9),
    });
    const r = new SeededRandom(9);
    const expected = x.flatMap((xi, i) =>
      expandOne(
        l2norm(xi),
        l2norm(p[y[i]]),
        noise[i],
        randomSumZeroCoefficients(3, r).map((row) => Array.from(row)),
      ),
    );
    const err = maxAbsDiff(e.points.dataSync(), expected.flat());
    assert.ok(err < 1e-4, `max |batched - loop| = ${err}`);
  });
});

test('the same seed reproduces the expansion draw for draw; another seed does not', () => {
  const { x, p, y } = batch(6, 20, 3, 4, 5);
  const run = (seed: number): Float32Array =>
    tf.tidy(
      () =>
        sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
          n: 4,
          plan: 0,
          threshold: -2,
          random: new SeededRandom(seed),
        }).points.dataSync() as Float32Array,
    );
  assert.deepEqual(run(1), run(1));
  assert.ok(maxAbsDiff(run(1), Array.from(run(2))) > 1e-3);
});

test('a sample exactly on its proxy is not expanded and produces no NaN', () => {
  const p = testMatrix(3, 10, 2);
  const x = [p[1].map((v) => 2 * v), ...testMatrix(3, 10, 3)];
  const y = [1, 0, 1, 2];
  tf.tidy(() => {
    const e = sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
      n: 4,
      plan: 0,
      threshold: -2,
      random: new SeededRandom(1),
    });
    assert.equal(e.selected[0], true);
    assert.equal(e.expanded[0], false);
    assert.deepEqual(e.expanded.slice(1), [true, true, true]);
    assert.equal(e.points.shape[0], 3 * 4);
    assert.ok(Array.from(e.points.dataSync()).every(Number.isFinite));
  });
});

test('clear errors: d < n+2, label out of range, NaN or Inf in embeddings', () => {
  tf.tidy(() => {
    const x = tf.tensor2d(testMatrix(4, 6, 1));
    const p = tf.tensor2d(testMatrix(3, 6, 2));
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const r = new SeededRandom(1);
    assert.throws(() => sphericalExpansion(x, y, p, { n: 5, plan: 1, threshold: 0.5, random: r }), /d=6.*n\+2=7/);
    assert.throws(
      () => sphericalExpansion(x, tf.tensor1d([0, 1, 3, 0], 'int32'), p, { n: 2, plan: 1, threshold: 0.5, random: r }),
      /label 3 at index 2 is outside \[0, 3\)/,
    );
    assert.throws(
      () => sphericalExpansion(x, tf.tensor1d([0, -1, 1, 0], 'int32'), p, { n: 2, plan: 1, threshold: 0.5, random: r }),
      /label -1 at index 1/,
    );
    for (const bad of [NaN, Infinity]) {
      const rows = testMatrix(4, 6, 1);
      rows[2][3] = bad;
      assert.throws(
        () => sphericalExpansion(tf.tensor2d(rows), y, p, { n: 2, plan: 1, threshold: 0.5, random: r }),
        /row 2 contains NaN or Inf/,
      );
    }
  });
});

test('an empty selection gives no points; the constant expansion passes no gradient to x', () => {
  const { x, p, y } = batch(6, 10, 3, 2, 8);
  tf.tidy(() => {
    const e = sphericalExpansion(tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
      n: 2,
      plan: 1,
      threshold: 0.0,
      random: new SeededRandom(1),
    });
    assert.deepEqual(e.points.shape, [0, 10]);
    assert.equal(e.labels.shape[0], 0);
    const xt = tf.tensor2d(x);
    const g = tf.grad((xa: tf.Tensor) => {
      const c = constantExpansion(xa as tf.Tensor2D, tf.tensor1d(y, 'int32'), tf.tensor2d(p), {
        n: 2,
        plan: 0,
        threshold: -2,
        random: new SeededRandom(1),
      });
      return tf.add(tf.sum(c.points), tf.mul(tf.sum(xa), 0.5)); // only the second term depends on x
    })(xt);
    assert.ok(Array.from(g.dataSync()).every((v) => Math.abs(v - 0.5) < 1e-6));
  });
});
