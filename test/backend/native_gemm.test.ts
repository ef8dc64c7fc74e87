/**
 * The native AVX2 matrix product's build and loading (scripts/build_native.ts,
 * lib/backend/wasm_kernels/native_gemm.ts), the addon's own argument and bounds checks, and its
 * element-wise add (the data-parallel step's gradient sums). Its
 * results are checked against a float64 product in gemm.test.ts, and through every kernel that uses
 * gemmOnHeap against the cpu backend in the kernel tests (the native product is the default there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeGemm, nativeGemmMode, wantsAvx512, NATIVE_GEMM_FILE } from '../../lib/backend/wasm_kernels/native_gemm';
import { buildNative } from '../../scripts/build_native';

const ROOT = join(__dirname, '..', '..');

test('SEE_NATIVE_GEMM: unset or auto, 0, 1; anything else is refused with the expected values', () => {
  assert.equal(nativeGemmMode(''), 'auto'); // unset (undefined would read the environment)
  assert.equal(nativeGemmMode(' auto '), 'auto');
  assert.equal(nativeGemmMode('0'), 'off');
  assert.equal(nativeGemmMode('1'), 'required');
  assert.throws(() => nativeGemmMode('yes'), /SEE_NATIVE_GEMM="yes": expected auto .*, 0 .* or 1/);
});

test('SEE_NATIVE_AVX512: unset or auto, 0; anything else is refused with the expected values', () => {
  assert.equal(wantsAvx512(''), true); // unset (undefined would read the environment)
  assert.equal(wantsAvx512(' auto '), true);
  assert.equal(wantsAvx512('0'), false);
  assert.throws(() => wantsAvx512('1'), /SEE_NATIVE_AVX512="1": expected auto .* or 0/);
});

test('setWidth takes each width widths() lists (256, and 512 where the CPU has AVX-512F) and refuses anything else, naming it and keeping the width', () => {
  const { native } = loadNativeGemm('required');
  const before = native!.width();
  assert.equal(native!.widths()[0], 256);
  assert.equal(
    before,
    wantsAvx512() ? Math.max(...native!.widths()) : 256,
    'the default width is the widest listed (256 under SEE_NATIVE_AVX512=0)',
  );
  for (const w of native!.widths()) assert.equal(native!.setWidth(w), w);
  assert.equal(native!.setWidth(256), 256);
  for (const bad of [300, 512.5, 128])
    assert.throws(
      () => native!.setWidth(bad),
      (e: Error) => e instanceof RangeError && e.message.startsWith(`see_gemm: setWidth(${bad}): expected 256`),
    );
  assert.throws(() => (native!.setWidth as unknown as () => number)(), /setWidth takes 1 argument \(bits\)/);
  assert.equal(native!.width(), 256);
  loadNativeGemm('required');
  assert.equal(native!.width(), before);
});

test('an addon built from the source before AVX-512 (no setWidth) is named and refused when required, passed over otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'see-native-old-'));
  try {
    const old = join(dir, 'see_gemm_old.js');
    writeFileSync(old, 'module.exports = { gemm() {}, supported() { return true; } };');
    const passed = loadNativeGemm('auto', old);
    assert.equal(passed.native, undefined);
    assert.match(passed.why, /built from an older source without AVX-512 tiles \(npm run native rebuilds it\)/);
    assert.throws(() => loadNativeGemm('required', old), /SEE_NATIVE_GEMM=1: .*older source/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm install built the addon here and it loads; 0 turns it off; a missing addon is named, and refused only when required', () => {
  assert.ok(existsSync(NATIVE_GEMM_FILE), `${NATIVE_GEMM_FILE} was not built (npm run native says why)`);
  const auto = loadNativeGemm('auto');
  assert.ok(auto.native, auto.why);
  assert.match(auto.why, /\((AVX2|AVX-512F) \+ FMA\)/);
  assert.equal(auto.why.includes('AVX-512F'), auto.native!.width() === 512);
  const narrow = loadNativeGemm('auto', NATIVE_GEMM_FILE, false);
  assert.match(narrow.why, /\(AVX2 \+ FMA\)/);
  assert.equal(narrow.native!.width(), 256);
  loadNativeGemm('auto');
  assert.equal(loadNativeGemm('off').native, undefined);
  const missing = join(tmpdir(), 'no-such-dir', 'see_gemm.node');
  const fallback = loadNativeGemm('auto', missing);
  assert.equal(fallback.native, undefined);
  assert.ok(fallback.why.includes(missing), fallback.why);
  assert.throws(
    () => loadNativeGemm('required', missing),
    (e: Error) => e.message.startsWith('SEE_NATIVE_GEMM=1') && e.message.includes(missing),
  );
});

test('the addon computes in place and refuses operands that reach past the memory, naming them', () => {
  const { native } = loadNativeGemm('required');
  const memory = new WebAssembly.Memory({ initial: 1 }); // 65,536 bytes
  const f = new Float32Array(memory.buffer);
  f.set([1, 2, 3, 4], 0); // A [2, 2] at byte 0
  f.set([5, 6, 7, 8], 4); // B [2, 2] at byte 16
  f.set([100, 100, 100, 100], 8); // C at byte 32
  const bytes = new Uint8Array(memory.buffer);
  native!.gemm(bytes, 0, 2, 1, 16, 2, 1, 32, 2, 2, 2, false);
  assert.deepEqual(Array.from(f.subarray(8, 12)), [19, 22, 43, 50]);
  native!.gemm(bytes, 0, 1, 2, 16, 2, 1, 32, 2, 2, 2, true); // += A^T B
  assert.deepEqual(Array.from(f.subarray(8, 12)), [19 + 26, 22 + 30, 43 + 38, 50 + 44]);
  const end = memory.buffer.byteLength;
  assert.throws(
    () => native!.gemm(bytes, 0, 2, 1, 16, 2, 1, end - 12, 2, 2, 2, false),
    /operand C reaches byte 65540 of a memory of 65536 bytes/,
  );
  assert.throws(() => native!.gemm(bytes, end - 8, 2, 1, 16, 2, 1, 32, 2, 2, 2, false), /operand A reaches byte/);
  assert.throws(() => native!.gemm(bytes, 0, 2, 1, 16, 20000, 1, 32, 2, 2, 2, false), /operand B reaches byte/);
  assert.throws(() => native!.gemm(bytes, 2, 2, 1, 16, 2, 1, 32, 2, 2, 2, false), /operand A needs a non-negative 4-byte-aligned address/);
  assert.throws(() => native!.gemm(bytes, 0, 2, 1, 16, 2, 1, 32, 2.5, 2, 2, false), /m, k and n must be integers/);
  assert.throws(() => native!.gemm(f as unknown as Uint8Array, 0, 2, 1, 16, 2, 1, 32, 2, 2, 2, false), /bytes must be a Uint8Array/);
  assert.throws(() => (native!.gemm as unknown as (...args: unknown[]) => void)(bytes, 0, 2, 1), /gemm takes 12 arguments/);
  assert.deepEqual(Array.from(f.subarray(8, 12)), [45, 52, 81, 94], 'a refused call wrote to C');
});

test("the addon's add writes a + b element-wise, the bits of JavaScript's float32 sums (with a shared buffer too), and refuses mismatched or non-float32 arrays", () => {
  const { native } = loadNativeGemm('required');
  assert.equal(typeof native!.add, 'function', 'the addon built by npm install has add');
  for (const n of [0, 1, 15, 16, 17, 1000]) {
    const a = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i + 1) * 10 ** ((i % 7) - 3)));
    const b = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.cos(3 * i) * 10 ** ((i % 5) - 2)));
    const out = new Float32Array(new SharedArrayBuffer(4 * n)).fill(7);
    native!.add!(a, b, out);
    const want = Float32Array.from(a, (v, i) => v + b[i]);
    assert.deepEqual(Array.from(out), Array.from(want), `length ${n}`);
  }
  const three = new Float32Array(3);
  assert.throws(() => native!.add!(three, new Float32Array(2), three), /a, b and out must have the same length, got 3, 2 and 3/);
  assert.throws(() => native!.add!(three, three, new Float64Array(3) as unknown as Float32Array), /out must be a Float32Array/);
  assert.throws(() => (native!.add as unknown as (a: unknown) => void)(three), /add takes 3 arguments/);
});

test('buildNative compiles a loadable addon, and a failed compile leaves no addon and no partial file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'see-native-'));
  try {
    const output = join(dir, 'out', 'see_gemm.node');
    const built = buildNative(ROOT, process.env, output);
    assert.ok(built.ok, built.detail);
    const fresh = loadNativeGemm('required', output).native!;
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Float32Array(memory.buffer).set([2, 3], 0);
    fresh.gemm(new Uint8Array(memory.buffer), 0, 1, 1, 4, 1, 1, 8, 1, 1, 1, false);
    assert.equal(new Float32Array(memory.buffer)[2], 6);
    // a compiler that answers --version, writes part of its output, then fails
    const fake = join(dir, 'fake-cxx');
    writeFileSync(
      fake,
      '#!/bin/sh\n[ "$1" = "--version" ] && exit 0\nwhile [ "$#" -gt 1 ]; do [ "$1" = "-o" ] && echo partial > "$2"; shift; done\necho "fake-cxx: error: broken" >&2\nexit 1\n',
    );
    chmodSync(fake, 0o755);
    const failedOut = join(dir, 'failed', 'see_gemm.node');
    const failed = buildNative(ROOT, { ...process.env, CXX: fake }, failedOut);
    assert.equal(failed.ok, false);
    assert.match(failed.detail, /fake-cxx failed: fake-cxx: error: broken/);
    assert.deepEqual(readdirSync(join(dir, 'failed')), [], 'a partial addon was left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
