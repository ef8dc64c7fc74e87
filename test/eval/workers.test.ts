/**
 * Worker threads (tfjs-wasm and JS GEMM) give the same counts as the plain implementation,
 * including on exact ties that the float32 GEMM cannot resolve (values with 12 significant bits:
 * exact in float64, rounded in float32 sums), and report progress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type Protocol } from '../../lib/eval';
import { mulberry32 } from '../../lib/random';
import { plainMapAtR, plainRecall, rankAll } from './plain_metrics';

/** Rows 3t have equal coordinate pairs; row 3t+2 is row 3t+1 with pairs swapped, under another label. */
export function tiedSet(n: number, dim: number, seed: number): { x: Float32Array; y: Int32Array } {
  const u = mulberry32(seed);
  // 13-bit integers: products and sums exact in float64; float32 sums round above 2^24
  const r12 = (): number => Math.floor(u() * 8192) - 4096;
  const groups = Math.floor(n / 6);
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // items 3t, 3t+1 share a label; 3t+2 (3t+1 with pairs swapped: exactly as similar to 3t) has another
    y[i] = (Math.floor(i / 3) + (i % 3 === 2 ? 1 : 0)) % groups;
    for (let k = 0; k < dim; k += 2) {
      if (i % 3 === 0) {
        const v = r12();
        x[i * dim + k] = v;
        x[i * dim + k + 1] = v;
      } else if (i % 3 === 1) {
        x[i * dim + k] = r12();
        x[i * dim + k + 1] = r12();
      } else {
        x[i * dim + k] = x[(i - 1) * dim + k + 1];
        x[i * dim + k + 1] = x[(i - 1) * dim + k];
      }
    }
  }
  return { x, y };
}

const ks = [1, 2, 4, 8];
const proto: Protocol = { name: 't', ks, metrics: ['recall', 'mapAtR', 'rPrecision'], queryGallery: false };

test('workers (wasm and js kernels) equal the plain ranking on a set full of exact ties', async () => {
  const dim = 64;
  const { x, y } = tiedSet(420, dim, 11);
  const ranked = rankAll(x, y, x, y, dim, (i, j) => i === j);
  const want = { recall: ks.map((k) => plainRecall(ranked, k)), ...plainMapAtR(ranked) };
  let progressCalls = 0;
  for (const [workers, kernel] of [
    [0, 'js'],
    [2, 'wasm'],
    [2, 'js'],
  ] as const) {
    const r = await evaluate({ embeddings: x, dim, labels: y }, proto, {
      workers,
      kernel,
      blockSize: 96,
      normalize: 'never',
      onProgress: () => {
        progressCalls++;
      },
    });
    assert.deepEqual(
      r.recall?.map((v) => v.recall),
      want.recall,
      `${workers} workers, ${kernel}`,
    );
    assert.ok(Math.abs((r.mapAtR ?? NaN) - want.mapAtR) < 1e-12, `${workers} ${kernel}: MAP@R ${r.mapAtR} vs ${want.mapAtR}`);
    assert.ok(Math.abs((r.rPrecision ?? NaN) - want.rPrecision) < 1e-12, `${workers} ${kernel}: R-Precision`);
  }
  assert.ok(progressCalls >= 3, 'progress reported at least at the end of each run');
});

test('the tied set really has float32 GEMM values on the wrong side of exact ties', async () => {
  const dim = 64;
  const { x } = tiedSet(420, dim, 11);
  let differing = 0;
  for (let t = 0; t + 2 < 420; t += 3) {
    let a32 = Math.fround(0),
      b32 = Math.fround(0),
      a64 = 0,
      b64 = 0;
    for (let k = 0; k < dim; k++) {
      a32 = Math.fround(a32 + Math.fround(x[t * dim + k] * x[(t + 1) * dim + k]));
      b32 = Math.fround(b32 + Math.fround(x[t * dim + k] * x[(t + 2) * dim + k]));
      a64 += x[t * dim + k] * x[(t + 1) * dim + k];
      b64 += x[t * dim + k] * x[(t + 2) * dim + k];
    }
    assert.equal(a64, b64, 'exact tie in float64');
    if (a32 !== b32) differing++;
  }
  assert.ok(differing > 10, `float32 sums differ on ${differing} of 140 ties`);
});
