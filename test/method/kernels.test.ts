/** The expansion's WebAssembly SIMD kernels: committed bytes = assembled WAT, results = plain loops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleKernels } from '../../scripts/build_wasm';
import { EXPANSION_KERNELS_WASM_BASE64 } from '../../lib/method/fast/kernels/expansion_kernels_wasm';
import { expansionKernels, jsExpansionKernels, KERNEL_DATA_BASE } from '../../lib/method/fast/kernels';
import { SeededRandom } from '../../lib/random';
import { expWedge } from '../../lib/method/fast/ziggurat';

test('the committed wasm is exactly the assembled WAT (run `npx tsx scripts/build_wasm.ts` after editing it)', async () => {
  const fresh = Buffer.from(await assembleKernels()).toString('base64');
  assert.equal(EXPANSION_KERNELS_WASM_BASE64, fresh);
});

test('the kernels are WebAssembly here (SIMD available in this Node)', () => {
  assert.equal(expansionKernels().kind, 'wasm');
});

test('gram and combine equal the plain loops (odd and even k, n with a tail of rows, padded rows)', () => {
  const wasm = expansionKernels();
  const js = jsExpansionKernels();
  const r = new SeededRandom(3);
  for (const [s, k, n, dp] of [
    [3, 18, 16, 64],
    [2, 7, 5, 8],
    [4, 10, 9, 24],
    [1, 3, 1, 16],
    [5, 17, 16, 512],
  ]) {
    const v = r.fillNormal(new Float32Array(s * k * dp));
    const a = r.fillNormal(new Float32Array(s * n * k));
    const vo = KERNEL_DATA_BASE / 4 + 16; // unaligned-to-the-layout offsets, in floats
    const go = vo + v.length + 3;
    const ao = go + s * k * k + 1;
    const oo = ao + a.length + 5;
    const end = oo + s * n * dp;
    const results = [wasm, js].map((kern) => {
      const mem = kern.reserve(end * 4);
      mem.fill(NaN, vo, end); // everything read must be written first
      mem.set(v, vo);
      mem.set(a, ao);
      kern.gram(vo * 4, go * 4, s, k, dp);
      kern.combine(ao * 4, vo * 4, oo * 4, s, n, k, dp);
      return { g: mem.slice(go, go + s * k * k), o: mem.slice(oo, end), v: mem.slice(vo, vo + v.length), a: mem.slice(ao, ao + a.length) };
    });
    const [w, j] = results;
    assert.deepEqual(w.v, v, 'inputs untouched');
    assert.deepEqual(w.a, a, 'inputs untouched');
    const close = (x: Float32Array, y: Float32Array, scale: number, what: string): void => {
      for (let i = 0; i < x.length; i++) {
        assert.ok(Math.abs(x[i] - y[i]) <= 1e-5 * scale, `${what} [${s}, ${k}, ${n}, ${dp}] at ${i}: ${x[i]} vs ${y[i]}`);
      }
    };
    close(w.g, j.g, dp, 'gram');
    close(w.o, j.o, k, 'combine');
    for (let q = 0; q < s; q++) {
      for (let i = 0; i < k; i++) {
        for (let c = 0; c < k; c++) assert.equal(w.g[q * k * k + i * k + c], w.g[q * k * k + c * k + i], 'symmetric');
      }
    }
  }
});

test("fill_normal4 in the kernels' memory is SeededRandom's stream draw for draw (tails included)", () => {
  const kern = expansionKernels();
  const len = 300000;
  const base = KERNEL_DATA_BASE / 4 + 3;
  const mem = kern.reserve((base + len) * 4);
  const inWasm = mem.subarray(base, base + len);
  const a = new SeededRandom(123);
  const b = new SeededRandom(123);
  assert.equal(a.normal(), b.normal()); // the fills start mid-turn: their first draws are made in JavaScript
  a.fillNormal(inWasm);
  a.fillNormal(inWasm.subarray(0, 999)); // state carried across calls; an odd length
  const plain = new Float32Array(len + 999);
  for (let i = 0; i < plain.length; i++) plain[i] = b.normal();
  const got = [...kern.reserve(0).subarray(base, base + len)];
  for (let i = 0; i < 1000; i++) got[i] = i; // overwritten by the second fill; compare it separately
  let tails = 0;
  for (let i = 1000; i < len; i++) {
    if (got[i] !== plain[i]) assert.fail(`draw ${i}: ${got[i]} vs ${plain[i]}`);
    if (Math.abs(plain[i]) > 3.442619855899) tails++;
  }
  assert.ok(tails > 50, `base-strip tail draws exercised: ${tails}`);
  const second = kern.reserve(0).subarray(base, base + 999);
  for (let i = 0; i < 999; i++) assert.equal(second[i], plain[len + i], `second fill draw ${i}`);
  assert.equal(a.nextUint32(), b.nextUint32(), 'state after the fills');
});

test('point_coefficients equals the plain loops bit for bit, shared and per-sample rows, and names a dependent sample', () => {
  const r = new SeededRandom(11);
  for (const [s, k, n, shared] of [
    [4, 17, 16, true],
    [3, 6, 4, false],
    [1, 3, 1, true],
  ] as Array<[number, number, number, boolean]>) {
    // Gram matrices of random rows (positive definite), coefficient rows with zeros as the simplex has
    const d = 3 * k;
    const grams = new Float32Array(s * k * k);
    for (let q = 0; q < s; q++) {
      const v = r.fillNormal(new Float32Array(k * d));
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          let acc = 0;
          for (let t = 0; t < d; t++) acc += v[i * d + t] * v[j * d + t];
          grams[q * k * k + i * k + j] = acc;
        }
    }
    const rows = (shared ? 1 : s) * n * (k - 1);
    const cf = Float64Array.from(r.fillNormal(new Float32Array(rows)), (x, i) => (i % 3 === 2 ? 0 : x));
    const c = r.fillNormal(new Float32Array(s));
    const rn = r.fillNormal(new Float32Array(s)).map(Math.abs);
    const base = KERNEL_DATA_BASE / 8 + 1; // in float64s
    const go = base * 2;
    const co = go + grams.length;
    const ro = co + s;
    const ao = ro + s;
    const cfo = Math.ceil((ao + s * n * k) / 2);
    const scratch = cfo + rows;
    const run = (kern: ReturnType<typeof jsExpansionKernels>, gram: Float32Array): { bad: number; a: Float32Array } => {
      const mem = kern.reserve((scratch + 2 * k * k + k) * 8);
      mem.fill(NaN, go, scratch * 2);
      mem.set(gram, go);
      mem.set(c, co);
      mem.set(rn, ro);
      new Float64Array(mem.buffer, 0, mem.byteLength >> 3).set(cf, cfo);
      const bad = kern.pointCoefficients(go * 4, cfo * 8, shared ? 0 : n * (k - 1) * 8, co * 4, ro * 4, ao * 4, scratch * 8, s, n, k);
      return { bad, a: kern.reserve(0).slice(ao, ao + s * n * k) };
    };
    const w = run(expansionKernels(), grams);
    const j = run(jsExpansionKernels(), grams);
    assert.equal(w.bad, -1);
    assert.equal(j.bad, -1);
    assert.ok(
      w.a.every((x) => Number.isFinite(x)),
      'every coefficient written',
    );
    assert.deepEqual(w.a, j.a, `[${s}, ${k}, ${n}, shared ${shared}]`);
    // the last sample's row k-1 copies row 0: that pivot is 0
    const broken = grams.slice();
    const last = (s - 1) * k * k;
    for (let t = 0; t < k; t++) {
      broken[last + (k - 1) * k + t] = broken[last + t];
      broken[last + t * k + k - 1] = broken[last + t * k];
    }
    assert.equal(run(expansionKernels(), broken).bad, s - 1);
    assert.equal(run(jsExpansionKernels(), broken).bad, s - 1);
  }
});

test("expWedge (the ziggurat's e^y in JavaScript and WebAssembly) is within 4 ulp of Math.exp on (-6, 0]", () => {
  let worst = 0;
  for (let i = 0; i <= 200000; i++) {
    const y = -6 * (i / 200000) * (1 - 1e-12);
    const want = Math.exp(y);
    worst = Math.max(worst, Math.abs(expWedge(y) - want) / want);
  }
  assert.ok(worst <= 4 * 2 ** -52, `largest relative error ${worst}`);
  assert.equal(expWedge(0), 1);
});

test('unit_rows equals the plain loops bit for bit (odd and even d) and gives unit rows, cosines and residual norms', () => {
  const r = new SeededRandom(5);
  for (const [b, u, d] of [
    [7, 3, 13],
    [6, 6, 512],
    [3, 1, 2],
    [5, 2, 1],
  ]) {
    const x = r.fillNormal(new Float32Array(b * d)).map((v, i) => v * (1 + (i % 5)));
    const p = r.fillNormal(new Float32Array(u * d)).map((v) => 3 * v);
    const slots = Int32Array.from({ length: b }, (_, i) => (i * 7) % u);
    const xo = KERNEL_DATA_BASE / 4 + 1;
    const po = xo + x.length;
    const so = po + p.length;
    const ro = so + b;
    const end = ro + b * (2 * d + 2);
    const run = (kern: ReturnType<typeof jsExpansionKernels>): Float32Array => {
      const mem = kern.reserve(end * 4);
      mem.fill(NaN, xo, end);
      mem.set(x, xo);
      mem.set(p, po);
      new Int32Array(mem.buffer, so * 4, b).set(slots);
      kern.unitRows(xo * 4, po * 4, so * 4, ro * 4, b, u, d);
      return kern.reserve(0).slice(ro, end);
    };
    const w = run(expansionKernels());
    const j = run(jsExpansionKernels());
    assert.deepEqual(w, j, `[${b}, ${u}, ${d}]`);
    const norm = (v: ArrayLike<number>, o: number): number => Math.hypot(...Array.from({ length: d }, (_, t) => v[o + t]));
    for (let i = 0; i < b; i++) {
      const o = i * (2 * d + 2);
      const xn = norm(x, i * d);
      const pn = norm(p, slots[i] * d);
      let cos = 0;
      for (let t = 0; t < d; t++) {
        assert.ok(Math.abs(w[o + t] - x[i * d + t] / xn) < 1e-6, `z row ${i}`);
        assert.ok(Math.abs(w[o + d + t] - p[slots[i] * d + t] / pn) < 1e-6, `w row ${i}`);
        cos += (x[i * d + t] / xn) * (p[slots[i] * d + t] / pn);
      }
      assert.ok(Math.abs(w[o + 2 * d] - cos) < 1e-5, `cos row ${i}: ${w[o + 2 * d]} vs ${cos}`);
      assert.ok(Math.abs(w[o + 2 * d + 1] - Math.sqrt(Math.max(0, 1 - cos * cos))) < 2e-3, `|r| row ${i}`);
    }
  }
});
