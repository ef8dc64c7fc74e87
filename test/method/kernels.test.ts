/** The expansion's WebAssembly SIMD kernels: committed bytes = assembled WAT, results = plain loops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleKernels } from '../../scripts/build_wasm';
import { EXPANSION_KERNELS_WASM_BASE64 } from '../../lib/method/kernels/expansion_kernels_wasm';
import { expansionKernels, jsExpansionKernels, KERNEL_DATA_BASE } from '../../lib/method/kernels';
import { SeededRandom } from '../../lib/method/random';

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
  for (const [s, k, n, dp] of [[3, 18, 16, 64], [2, 7, 5, 8], [4, 10, 9, 24], [1, 3, 1, 16], [5, 17, 16, 512]]) {
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

test('fill_normal in the kernels\' memory is SeededRandom\'s stream draw for draw (tails included)', () => {
  const kern = expansionKernels();
  const len = 300000;
  const base = KERNEL_DATA_BASE / 4 + 3;
  const mem = kern.reserve((base + len) * 4);
  const inWasm = mem.subarray(base, base + len);
  const a = new SeededRandom(123);
  const b = new SeededRandom(123);
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
