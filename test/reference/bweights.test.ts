/** Parity of the simplex coefficient matrices with the official `init_bweights` (bweights.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simplexCoefficients } from '../../lib/method/coefficients';
import { closeTo, readReference, reportParity } from './fixtures';

test('simplex coefficients match the official code on every bweights.json case', () => {
  const cases = readReference<Record<string, number[][]>>('bweights.json');
  const keys = Object.keys(cases);
  for (const key of keys) {
    const n = Number(key);
    assert.ok(Number.isInteger(n) && n >= 1, `bweights.json key "${key}" is not an expansion count`);
    const expected = cases[key];
    const got = simplexCoefficients(n);
    assert.equal(got.length, expected.length, `bweights.json n=${n}: rows`);
    got.forEach((row, i) => {
      assert.equal(row.length, expected[i].length, `bweights.json n=${n}: row ${i} length`);
      row.forEach((v, j) => assert.ok(closeTo(v, expected[i][j]), `bweights.json n=${n} [${i}][${j}]: ${v} vs ${expected[i][j]}`));
    });
  }
  reportParity('bweights.json', keys.length);
});
