/** MAP@R and R-Precision: a hand-worked example, a plain implementation on random sets, tie rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type Protocol } from '../../lib/eval';
import { clustered, plainMapAtR, rankAll } from './plain_metrics';

const proto: Protocol = { name: 't', ks: [1], metrics: ['mapAtR', 'rPrecision'], queryGallery: false };
const circle = (deg: number[]): Float32Array =>
  Float32Array.from(deg.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));

test('hand-worked: six points on a circle (R = 2 for every query)', async () => {
  // angles 0a 10b 27a 40a 200b 215b; nearest first (angular distance), top R = 2:
  // 0a  : 10b(10) 27a(27)   -> [b, a]: AP = (1/2)(1/2) = 0.25, RP = 1/2
  // 10b : 0a(10) 27a(17)    -> [a, a]: AP 0, RP 0
  // 27a : 40a(13) 10b(17)   -> [a, b]: AP = (1/2)(1/1) = 0.5, RP 1/2
  // 40a : 27a(13) 10b(30)   -> [a, b]: AP 0.5, RP 1/2
  // 200b: 215b(15) 0a|40a(160) -> [b, a]: AP 0.5, RP 1/2
  // 215b: 200b(15) 0a(145)  -> [b, a]: AP 0.5, RP 1/2
  const x = circle([0, 10, 27, 40, 200, 215]);
  const y = [0, 1, 0, 0, 1, 1];
  const want = { mapAtR: 2.25 / 6, rPrecision: 2.5 / 6 };
  const plain = plainMapAtR(rankAll(x, Int32Array.from(y), x, Int32Array.from(y), 2, (i, j) => i === j));
  assert.ok(
    Math.abs(plain.mapAtR - want.mapAtR) < 1e-12 && Math.abs(plain.rPrecision - want.rPrecision) < 1e-12,
    'the plain implementation agrees with the hand count',
  );
  const r = await evaluate({ embeddings: x, dim: 2, labels: y }, proto, { workers: 0, onProgress: false });
  assert.ok(Math.abs((r.mapAtR ?? NaN) - want.mapAtR) < 1e-12, `MAP@R ${r.mapAtR} vs ${want.mapAtR}`);
  assert.ok(Math.abs((r.rPrecision ?? NaN) - want.rPrecision) < 1e-12, `R-Precision ${r.rPrecision}`);
});

test('equals the plain implementation on random clustered sets, alone and with Recall@K', async () => {
  for (const [n, dim, classes, sigma, seed, blockSize] of [
    [160, 8, 20, 0.9, 21, 13],
    [240, 16, 12, 1.2, 22, 50],
  ]) {
    const { x, y } = clustered(n, dim, classes, sigma, seed);
    const want = plainMapAtR(rankAll(x, y, x, y, dim, (i, j) => i === j));
    for (const metrics of [
      ['mapAtR', 'rPrecision'],
      ['recall', 'mapAtR', 'rPrecision'],
    ] as const) {
      const r = await evaluate(
        { embeddings: x, dim, labels: y },
        { ...proto, ks: [1, 100], metrics: [...metrics] },
        { workers: 0, blockSize, onProgress: false },
      );
      assert.ok(Math.abs((r.mapAtR ?? NaN) - want.mapAtR) < 1e-12, `MAP@R ${r.mapAtR} vs ${want.mapAtR}`);
      assert.ok(Math.abs((r.rPrecision ?? NaN) - want.rPrecision) < 1e-12, `R-Precision ${r.rPrecision} vs ${want.rPrecision}`);
    }
  }
});

test('queries with no same-label reference are left out of MAP@R', async () => {
  const x = circle([0, 10, 90]);
  const r = await evaluate({ embeddings: x, dim: 2, labels: [0, 0, 1] }, proto, { workers: 0, onProgress: false });
  assert.equal(r.mapAtR, 1);
  assert.equal(r.rPrecision, 1);
  assert.equal(r.queriesWithoutPositive, 1);
});
