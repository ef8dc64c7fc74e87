/**
 * The kit's matrix product on the wasm heap (lib/backend/wasm_kernels/gemm.ts over pack_a, pack_a_t,
 * pack_b and gemm in heap_kernels.wat) against a float64 loop: every tail of the 4 x 8 register block
 * (m mod 4, n mod 8), depths past one block of k (the later blocks add to C, the last panel's partial
 * stores too), more rows than one block of A, A and B given transposed (read in place), k = 0, single
 * rows and columns; the memory around C is left as it was, and the scratch buffer is freed; both
 * variants of the inner step (multiply then add, and relaxed SIMD's fused multiply-add, which this Node
 * must load), and the native product (native/see_gemm.cc, which npm install builds here) on the
 * same cases plus the tails of its own 6 x 16 tile (AVX2) and 6 x 32 tile (AVX-512F) and 256-deep
 * blocks of k, at each SIMD width the CPU has; the two widths give the same bits. BatchMatMul's routing
 * (transposes, batches) is tested against cpu in batch_mat_mul.test.ts; the addon's loading and
 * bounds checks in native_gemm.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { heapKernels, loadHeapKernels, wantsFma, type HeapKernels } from '../../lib/backend/wasm_kernels/simd';
import { gemmOnHeap } from '../../lib/backend/wasm_kernels/gemm';
import { addressOf, heapMemory, heapTensor, type WasmBackend } from '../../lib/backend/wasm_kernels/heap';
import { loadNativeGemm } from '../../lib/backend/wasm_kernels/native_gemm';
import { seededUniform } from './random';

/** [m, k, n, A given transposed, B given transposed] */
const SHAPES: Array<[number, number, number, boolean, boolean]> = [
  [1, 1, 1, false, false],
  [4, 8, 8, false, false], // one whole block
  [5, 3, 9, false, false], // one row and one column past a block
  [5, 3, 9, true, false],
  [6, 7, 15, false, true],
  [7, 300, 13, false, false],
  [7, 300, 13, true, true],
  [3, 1100, 21, false, false], // three blocks of k (512, 512, 76), partial last panel
  [3, 1100, 21, true, false],
  [133, 600, 16, false, true], // two blocks of rows (128 + 5), two of k
  [133, 600, 16, true, false],
  [9, 520, 8, false, false],
  [2, 5, 0, false, false],
  [1, 64, 1, false, true],
  [1, 64, 3, true, false],
  // the native product's tile (6 x 16), every count of rows in the last tile, A read in place (n <= 128)
  // or packed, blocks of 96 rows and of 256 values of k
  [6, 16, 16, false, false],
  [11, 257, 31, false, false],
  [97, 513, 17, true, true],
  [13, 40, 33, false, true],
  [8, 30, 20, false, false], // last tile of 2 rows (A read in place: n <= 128)
  [10, 50, 40, false, true], // last tile of 4 rows
  [14, 20, 130, false, false], // n > 128: A packed, last tile of 2 rows
  [10, 20, 140, true, false],
  [7, 700, 100, false, false], // B packed past 256 KB: blocks of 256 values of k (256, 256, 188)
  [7, 700, 100, true, true],
  [13, 600, 128, true, false], // A transposed, read in place (n <= 128) through blocks of k; last tile of 1 row
  [6, 40, 200, true, false], // A transposed and packed (n > 128): one whole panel of rows side by side
  // the 512-bit tile (6 x 32, products wider than 16): whole tiles, a last panel of 1-31 columns, A in place or packed
  [12, 64, 32, false, false],
  [6, 9, 64, true, false],
  [5, 300, 47, false, false],
  [19, 70, 161, false, true], // n > 128: A packed, last panel of 1 column
  [7, 600, 200, true, false], // B packed past 256 KB: blocks of 256 values of k
];

/** float64 product of row-major a [m, k] and b ([k, n], or [n, k] when transposed) */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  bT: boolean,
): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n); // sum of |a_ik b_kj|: the size of the rounding error to allow
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let q = 0; q < k; q++) {
        const p = a[i * k + q] * (bT ? b[j * k + q] : b[q * n + j]);
        s += p;
        t += Math.abs(p);
      }
      c[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { c, scale };
}

function wasmMemory(): WebAssembly.Memory {
  return (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
}

test('both gemm variants load here: fused multiply-add (relaxed SIMD) and multiply then add; SEE_WASM_FMA chooses', async () => {
  await initBackend('wasm', { quiet: true });
  assert.equal(loadHeapKernels(wasmMemory(), true).gemm, 'fma', 'relaxed SIMD did not load on this Node');
  assert.equal(loadHeapKernels(wasmMemory(), false).gemm, 'mul-add');
  assert.equal(wantsFma(undefined), true);
  assert.equal(wantsFma(' 1'), true);
  assert.equal(wantsFma('0'), false);
  assert.throws(() => wantsFma('true'), /SEE_WASM_FMA="true": expected 1 .* or 0/);
});

for (const fma of [false, true]) {
  test(`gemmOnHeap (${fma ? 'fused multiply-add' : 'multiply then add'}) equals a float64 product on every tail, block and stride; the memory around C is untouched; no leak`, async () => {
    await initBackend('wasm', { quiet: true });
    const loaded = loadHeapKernels(wasmMemory(), fma);
    assert.equal(loaded.kernels.native, undefined);
    await checkShapes(loaded.kernels);
  });
}

/** the SIMD widths the native product can use on this CPU: 256, and 512 where it has AVX-512F */
function nativeWidths(): number[] {
  return loadNativeGemm('required').native!.widths();
}

for (const width of nativeWidths()) {
  test(`gemmOnHeap with the native product at ${width} bits (built by npm install) equals a float64 product on every tail, block and stride; the memory around C is untouched; no leak`, async () => {
    await initBackend('wasm', { quiet: true });
    const { native } = loadNativeGemm('required', undefined, width === 512);
    try {
      assert.equal(native!.width(), width);
      const loaded = loadHeapKernels(wasmMemory(), true, native);
      assert.equal(loaded.gemm, width === 512 ? 'avx512-fma' : 'avx2-fma');
      await checkShapes(loaded.kernels);
    } finally {
      loadNativeGemm('required');
    }
  });
}

test('the native product gives the same bits at 256 and 512 bits; where the CPU lacks AVX-512F, 512 is refused naming it', async () => {
  await initBackend('wasm', { quiet: true });
  const { native } = loadNativeGemm('required');
  const widths = nativeWidths();
  if (widths.length === 1) {
    assert.throws(() => native!.setWidth(512), /setWidth\(512\): expected 256 \(this CPU has no AVX-512F\)/);
    assert.equal(native!.width(), 256);
    return;
  }
  const memory = new WebAssembly.Memory({ initial: 64 });
  const bytes = new Uint8Array(memory.buffer);
  const f = new Float32Array(memory.buffer);
  const u = seededUniform(43);
  try {
    for (const [m, k, n, aT, bT] of SHAPES) {
      if (m * n === 0) continue;
      f.set(u(m * k), 0);
      f.set(u(k * n), m * k);
      const a = 0;
      const b = 4 * m * k;
      const c = b + 4 * k * n;
      const results = widths.map((w) => {
        native!.setWidth(w);
        native!.gemm(bytes, a, aT ? 1 : k, aT ? m : 1, b, bT ? 1 : n, bT ? k : 1, c, m, k, n, false);
        return f.slice(c / 4, c / 4 + m * n);
      });
      const differ = results[0].findIndex((v, i) => !Object.is(v, results[1][i]));
      assert.equal(differ, -1, `m ${m}, k ${k}, n ${n}: C[${differ}] is ${results[0][differ]} at 256 bits, ${results[1][differ]} at 512`);
    }
  } finally {
    loadNativeGemm('required');
  }
});

async function checkShapes(kernels: HeapKernels): Promise<void> {
  const backend = tf.backend() as unknown as WasmBackend;
  const u = seededUniform(41);
  const GUARD = 8; // values before and after C that must keep their sentinel
  for (const [m, k, n, aT, bT] of SHAPES) {
    const label = `m ${m}, k ${k}, n ${n}${aT ? ', A transposed' : ''}${bT ? ', B transposed' : ''}`;
    const a = u(m * k); // A [m, k] row-major, for the reference
    const b = u(k * n);
    const stored = aT ? Float32Array.from({ length: m * k }, (_, j) => a[(j % m) * k + Math.floor(j / m)]) : a; // [k, m] when transposed
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = (tf.backend() as tf.KernelBackend).numDataIds();
    const at = tf.tensor1d(stored); // [m k]
    const bt = tf.tensor1d(b); // [k n]
    const ct = heapTensor(backend, [m * n + 2 * GUARD]); // [guard + m n + guard]
    const heap = () => backend.typedArrayFromHeap(ct as unknown as tf.TensorInfo) as Float32Array;
    heap().fill(-7.5);
    gemmOnHeap(
      heapMemory(backend),
      kernels,
      { address: addressOf(backend, at), rowStride: aT ? 1 : k, colStride: aT ? m : 1 },
      { address: addressOf(backend, bt), rowStride: bT ? 1 : n, colStride: bT ? k : 1 },
      addressOf(backend, ct) + 4 * GUARD,
      m,
      k,
      n,
    );
    const out = heap().slice();
    tf.dispose([at, bt, ct]);
    assert.equal(tf.memory().numTensors, tensorsBefore, `${label}: leaked tensors`);
    assert.equal((tf.backend() as tf.KernelBackend).numDataIds(), dataBefore, `${label}: the scratch buffer was not freed`);
    for (let g = 0; g < GUARD; g++) {
      assert.equal(out[g], -7.5, `${label}: wrote before C`);
      assert.equal(out[GUARD + m * n + g], -7.5, `${label}: wrote after C`);
    }
    const { c, scale } = reference(a, b, m, k, n, bT);
    for (let i = 0; i < m * n; i++) {
      const err = Math.abs(out[GUARD + i] - c[i]);
      assert.ok(
        err <= 1e-6 * (scale[i] + 1),
        `${label}: C[${Math.floor(i / Math.max(1, n))}, ${i % Math.max(1, n)}] = ${out[GUARD + i]}, float64 ${c[i]}`,
      );
    }
  }
}

test('gemmOnHeap with k = 0 writes zeros, and refuses an A with neither stride 1', async () => {
  await initBackend('wasm', { quiet: true });
  const kernels = heapKernels()!;
  const backend = tf.backend() as unknown as WasmBackend;
  const ct = heapTensor(backend, [6]);
  (backend.typedArrayFromHeap(ct as unknown as tf.TensorInfo) as Float32Array).fill(3);
  gemmOnHeap(
    heapMemory(backend),
    kernels,
    { address: 0, rowStride: 0, colStride: 1 },
    { address: 0, rowStride: 3, colStride: 1 },
    addressOf(backend, ct),
    2,
    0,
    3,
  );
  assert.deepEqual(Array.from(await ct.data()), [0, 0, 0, 0, 0, 0]);
  ct.dispose();
  assert.throws(
    () =>
      gemmOnHeap(
        heapMemory(backend),
        kernels,
        { address: 0, rowStride: 3, colStride: 2 },
        { address: 0, rowStride: 1, colStride: 1 },
        0,
        1,
        1,
        1,
      ),
    /A must have row stride 1 or column stride 1, got 3 and 2/,
  );
});
