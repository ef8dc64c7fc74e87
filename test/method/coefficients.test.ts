/** Simplex coefficients (geometry) and the random sum-zero ablation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simplexCoefficients, randomSumZeroCoefficients } from '../../lib/method/coefficients';
import { SeededRandom } from '../../lib/random';

test('simplex rows: row 0 = e0, unit rows, pairwise dot -1/n, last column zero', () => {
  for (const n of [1, 2, 3, 8, 16, 31]) {
    const m = simplexCoefficients(n);
    assert.equal(m.length, n + 1);
    assert.deepEqual(Array.from(m[0]), [1, ...new Array(n).fill(0)]);
    for (let i = 0; i <= n; i++) {
      assert.equal(m[i][n], 0, `n=${n} row ${i}: last column`);
      for (let j = i; j <= n; j++) {
        const d = m[i].reduce((s, v, k) => s + v * m[j][k], 0);
        assert.ok(Math.abs(d - (i === j ? 1 : -1 / n)) < 1e-12, `n=${n} rows ${i},${j}: dot ${d}`);
      }
    }
  }
  assert.deepEqual(
    simplexCoefficients(2).map((r) => Array.from(r).map((v) => +v.toFixed(6))),
    [
      [1, 0, 0],
      [-0.5, 0.866025, 0],
      [-0.5, -0.866025, 0],
    ],
  ); // hand-worked: triangle at 120 degrees
  assert.throws(() => simplexCoefficients(0), /n \(expansions per sample\) must be an integer >= 1, got 0/);
});

test('random sum-zero coefficients: n+1 rows summing to zero, different per draw', () => {
  const r = new SeededRandom(3);
  const a = randomSumZeroCoefficients(4, r);
  const b = randomSumZeroCoefficients(4, r);
  assert.equal(a.length, 5);
  for (let j = 0; j < 5; j++) assert.ok(Math.abs(a.reduce((s, row) => s + row[j], 0)) < 1e-12);
  assert.notDeepEqual(Array.from(a[0]), Array.from(b[0]));
});
