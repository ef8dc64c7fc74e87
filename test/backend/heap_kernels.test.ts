/**
 * The SIMD kernels on tfjs-wasm's heap (lib/backend/wasm_kernels/simd): committed bytes = the
 * assembled WAT (and its gemm part with fused multiply-adds); Exp against Math.exp over the whole float32 range used (and its clamps); Erf
 * against tfjs cpu's formula in float64;
 * exp_mask_sum against a float64 loop (positives masked and reported, sums per row).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { assembleKernels, gemmFmaWat, HEAP_KERNELS_WAT } from '../../scripts/build_wasm';
import { HEAP_KERNELS_WASM_BASE64 } from '../../lib/backend/wasm_kernels/simd/heap_kernels_wasm';
import { GEMM_FMA_WASM_BASE64 } from '../../lib/backend/wasm_kernels/simd/gemm_fma_wasm';
import { heapKernels } from '../../lib/backend/wasm_kernels/simd';
import { addressOf, type WasmBackend } from '../../lib/backend/wasm_kernels/heap';
import { seededUniform } from './random';

test('the committed heap kernels are exactly the assembled WAT (run `npx tsx scripts/build_wasm.ts` after editing it)', async () => {
  assert.equal(HEAP_KERNELS_WASM_BASE64, Buffer.from(await assembleKernels(HEAP_KERNELS_WAT)).toString('base64'));
});

test("the committed fused gemm is exactly the WAT's gemm part with relaxed_madd for its 8 multiply-adds", async () => {
  assert.equal(GEMM_FMA_WASM_BASE64, Buffer.from(await assembleKernels(HEAP_KERNELS_WAT, gemmFmaWat())).toString('base64'));
  assert.throws(() => gemmFmaWat('(module)'), /no ';; BEGIN gemm' \.\.\. ';; END gemm' part/);
  assert.throws(() => gemmFmaWat(';; BEGIN gemm\n(func)\n;; END gemm'), /expected the 8 multiply-adds of the 4 x 8 block, found 0/);
});

test('heap kernels load on wasm and not on cpu', async () => {
  await initBackend('cpu', { quiet: true });
  assert.equal(heapKernels(), undefined);
  await initBackend('wasm', { quiet: true });
  assert.ok(heapKernels(), 'no heap kernels on wasm');
});

test('Exp on wasm (SIMD) is within 3e-7 of Math.exp from -87 to 88, odd lengths included', async () => {
  await initBackend('wasm', { quiet: true });
  for (const n of [1, 3, 4, 1001]) {
    const u = seededUniform(n);
    const x = u(n, -87, 88);
    x[0] = 0;
    const y = tf.exp(tf.tensor1d(x));
    const got = (await y.data()) as Float32Array;
    y.dispose();
    let worst = 0;
    x.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(got[i] - Math.exp(v)) / Math.exp(v));
    });
    assert.ok(worst < 3e-7, `n=${n}: relative error ${worst}`);
    assert.equal(got[0], 1);
  }
  const edges = tf.exp(tf.tensor1d([-200, -87.3, 88.7, 200, -Infinity, NaN, 1, 2]));
  const e = (await edges.data()) as Float32Array;
  edges.dispose();
  assert.ok(e[0] > 0 && e[0] < 1e-37 && e[4] < 1e-37, `underflow side: ${e}`); // clamped: tiny, not 0
  assert.ok(Number.isFinite(e[2]) && e[2] > 3e38 && e[3] === e[2], `overflow side: ${e}`);
  assert.ok(Number.isNaN(e[5]), `e^NaN = ${e[5]}, expected NaN`); // also in a vector of 4 with finite lanes
  assert.ok(Math.abs(e[6] - Math.E) < 3e-7 * Math.E && Math.abs(e[7] - Math.E ** 2) < 3e-7 * Math.E ** 2, `e^1, e^2: ${e[6]}, ${e[7]}`);
});

/** tfjs cpu's erf (Abramowitz & Stegun 7.1.26) in float64 */
function erfAS(v: number): number {
  if (Number.isNaN(v)) return NaN;
  const sign = Math.sign(v);
  const a = Math.abs(v);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return sign * (1 - poly * Math.exp(-a * a));
}

test('Erf on wasm (SIMD) is within 3e-7 of the cpu formula from -6 to 6; 0, NaN and infinities as cpu', async () => {
  await initBackend('wasm', { quiet: true });
  for (const n of [1, 3, 4, 1001]) {
    const x = seededUniform(n + 7)(n, -6, 6);
    const y = tf.erf(tf.tensor1d(x));
    const got = (await y.data()) as Float32Array;
    y.dispose();
    let worst = 0;
    x.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(got[i] - erfAS(v)));
    });
    assert.ok(worst < 3e-7, `n=${n}: absolute error ${worst}`);
  }
  const edges = tf.erf(tf.tensor1d([0, -0, NaN, Infinity, -Infinity, 1e-30]));
  const e = Array.from((await edges.data()) as Float32Array);
  edges.dispose();
  assert.equal(e[0], 0);
  assert.equal(Math.abs(e[1]), 0);
  assert.ok(Number.isNaN(e[2]), `erf(NaN) = ${e[2]}`);
  assert.deepEqual(e.slice(3, 5), [1, -1]);
  assert.ok(Math.abs(e[5]) < 1e-6, `erf(1e-30) = ${e[5]}`);
});

test('exp_mask_sum equals a float64 loop: exponentials, positives masked and reported, row sums', async () => {
  await initBackend('wasm', { quiet: true });
  const k = heapKernels()!;
  const rows = 5;
  const n = 11; // a tail of 3 after two vectors of 4
  const c0 = 7;
  const u = seededUniform(5);
  const g = u(rows * n, -1, 1);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 5) % 13); // classes 0..12: 7..11 occur in rows
  const [alpha, margin] = [32, 0.1];
  const gt = tf.tensor2d(g, [rows, n]);
  const lt = tf.tensor1d(labels, 'int32');
  const sums = tf.zeros([rows]);
  const pos = tf.fill([n], -5);
  const b = tf.backend() as unknown as WasmBackend;
  k.exp_mask_sum(addressOf(b, gt), rows, n, addressOf(b, lt), c0, alpha, margin, addressOf(b, sums), addressOf(b, pos));
  const [e, s, p] = await Promise.all([gt.data(), sums.data(), pos.data()]);
  tf.dispose([gt, lt, sums, pos]);
  for (let r = 0; r < rows; r++) {
    let want = 0;
    for (let i = 0; i < n; i++) {
      const positive = labels[i] === c0 + r;
      // the argument as the kernel forms it in float32: alpha g + alpha margin
      const w = positive ? 0 : Math.exp(Math.fround(Math.fround(alpha * g[r * n + i]) + Math.fround(alpha * margin)));
      want += w;
      assert.ok(Math.abs(e[r * n + i] - w) <= 3e-7 * w, `E[${r},${i}] ${e[r * n + i]} vs ${w}`);
      if (positive) assert.equal(p[i], g[r * n + i], `pos[${i}]`);
    }
    assert.ok(Math.abs(s[r] - want) <= 3e-7 * want, `sum row ${r}: ${s[r]} vs ${want}`);
  }
  labels.forEach((c, i) => {
    if (c < c0 || c >= c0 + rows) assert.equal(p[i], -5, `pos[${i}] written for a class outside the block`);
  });
});

test('l2_rows and scale_project_rows equal float64 loops: unit rows and norms, scaled rows, the gradient through the normalisation', async () => {
  await initBackend('wasm', { quiet: true });
  const k = heapKernels()!;
  const b = tf.backend() as unknown as WasmBackend;
  const u = seededUniform(8);
  for (const d of [7, 16]) {
    const rows = 4; // d 7: one vector of 4 and a tail of 3
    const x = u(rows * d, -2, 2);
    const g = u(rows * d, -1, 1);
    const f = u(rows, 0.5, 3);
    const before = tf.memory().numTensors;
    const [xt, unit, norms, gt, ft, scaled, projected] = [
      tf.tensor2d(x, [rows, d]),
      tf.zeros([rows, d]),
      tf.zeros([rows]),
      tf.tensor2d(g, [rows, d]),
      tf.tensor1d(f),
      tf.zeros([rows, d]),
      tf.zeros([rows, d]),
    ];
    const at = (t: tf.Tensor): number => addressOf(b, t);
    k.l2_rows(at(xt), at(unit), at(norms), rows, d);
    k.scale_project_rows(at(gt), at(ft), 0, 0, rows, d, at(scaled)); // out = g f[r]
    k.scale_project_rows(at(gt), 0, at(unit), at(norms), rows, d, at(projected)); // through the normalisation
    const [uv, nv, sv, pv] = await Promise.all([unit.data(), norms.data(), scaled.data(), projected.data()]);
    tf.dispose([xt, unit, norms, gt, ft, scaled, projected]);
    assert.equal(tf.memory().numTensors, before);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let ss = 0;
      for (let j = 0; j < d; j++) ss += x[o + j] ** 2;
      const norm = Math.sqrt(ss + 1e-12);
      assert.ok(Math.abs(nv[r] - norm) <= 1e-6 * norm, `d ${d} norm ${r}: ${nv[r]} vs ${norm}`);
      // d(x / |x|) applied to g: (g - x (g . x) / |x|^2) / |x|
      let gx = 0;
      for (let j = 0; j < d; j++) gx += g[o + j] * x[o + j];
      for (let j = 0; j < d; j++) {
        const [wantUnit, wantScaled] = [x[o + j] / norm, g[o + j] * f[r]];
        const wantProjected = (g[o + j] - (x[o + j] * gx) / (norm * norm)) / norm;
        assert.ok(Math.abs(uv[o + j] - wantUnit) <= 1e-6, `d ${d} unit [${r},${j}]: ${uv[o + j]} vs ${wantUnit}`);
        assert.ok(Math.abs(sv[o + j] - wantScaled) <= 1e-6 * Math.abs(wantScaled), `d ${d} scaled [${r},${j}]`);
        assert.ok(Math.abs(pv[o + j] - wantProjected) <= 2e-6, `d ${d} projected [${r},${j}]: ${pv[o + j]} vs ${wantProjected}`);
      }
    }
  }
});
