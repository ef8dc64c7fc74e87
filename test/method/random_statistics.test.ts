/** The seeded random source (moments of its normals) and the notebook statistics. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { SeededRandom } from '../../lib/random';
import { batchStatistics } from '../../lib/method/statistics';
import { dot, l2norm, testMatrix } from './loop_reference';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

test('normals: mean 0, variance 1, kurtosis 3, tails present; reproducible per seed', () => {
  const v = new SeededRandom(42).fillNormal(new Float32Array(400000));
  let m = 0;
  let m2 = 0;
  let m4 = 0;
  let tail = 0;
  for (const x of v) {
    m += x;
    m2 += x * x;
    m4 += x ** 4;
    if (Math.abs(x) > 3.5) tail++;
  }
  m /= v.length;
  m2 /= v.length;
  m4 /= v.length;
  assert.ok(Math.abs(m) < 0.01, `mean ${m}`);
  assert.ok(Math.abs(m2 - 1) < 0.01, `variance ${m2}`);
  assert.ok(Math.abs(m4 / (m2 * m2) - 3) < 0.05, `kurtosis ${m4 / (m2 * m2)}`);
  const expectedTail = 400000 * 4.65e-4; // P(|Z| > 3.5)
  assert.ok(Math.abs(tail - expectedTail) < 0.25 * expectedTail, `tail count ${tail} vs ${expectedTail}`);
  assert.deepEqual(new SeededRandom(7).fillNormal(new Float32Array(10)), new SeededRandom(7).fillNormal(new Float32Array(10)));
  assert.throws(() => new SeededRandom(NaN), /seed must be a finite number/);
});

test('normals of neighbouring draws (other sfc32 lanes) are uncorrelated', () => {
  const v = new SeededRandom(3).fillNormal(new Float32Array(400000));
  for (let lag = 1; lag <= 8; lag++) {
    let r = 0;
    for (let i = lag; i < v.length; i++) r += v[i] * v[i - lag];
    r /= v.length - lag;
    assert.ok(Math.abs(r) < 0.01, `lag ${lag}: correlation ${r}`); // about 6 standard errors
  }
});

test('batch statistics: norms, own and nearest-other cosine, expansion counts', async () => {
  const x = testMatrix(5, 8, 1).map((r, i) => r.map((v) => v * (i + 1)));
  const p = testMatrix(3, 8, 2);
  const y = [0, 1, 2, 1, 0];
  const before = tf.memory().numTensors;
  const [xt, yt, pt] = [tf.tensor2d(x), tf.tensor1d(y, 'int32'), tf.tensor2d(p)];
  const s = await batchStatistics(xt, yt, pt, { expanded: [true, false, true, false, false], n: 4 });
  tf.dispose([xt, yt, pt]);
  assert.equal(tf.memory().numTensors, before);
  x.forEach((xi, i) => {
    assert.ok(Math.abs(s.norms[i] - Math.sqrt(dot(xi, xi))) < 1e-4);
    const cos = p.map((pc) => dot(l2norm(xi), l2norm(pc)));
    assert.ok(Math.abs(s.cosOwn[i] - cos[y[i]]) < 1e-5);
    const other = Math.max(...cos.filter((_, c) => c !== y[i]));
    assert.ok(Math.abs(s.cosNearestOther[i] - other) < 1e-5);
  });
  assert.equal(s.numExpanded, 2);
  assert.equal(s.numSynthetic, 8);
});

test('fillNormal is the same stream as normal() draw by draw (tails included)', () => {
  const a = new SeededRandom(11);
  const b = new SeededRandom(11);
  const fast = a.fillNormal(new Float32Array(200000));
  for (let i = 0; i < fast.length; i++) {
    const v = Math.fround(b.normal());
    if (fast[i] !== v) assert.fail(`draw ${i}: ${fast[i]} vs ${v}`);
  }
  assert.equal(a.nextUint32(), b.nextUint32(), 'state after the fill');
});
