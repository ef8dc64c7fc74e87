/**
 * The kit's matrix product as a Node addon for x86-64 CPUs with AVX2 and FMA, with 512-bit tiles
 * where the CPU has AVX-512F (native/see_gemm.cc), built at `npm install` by scripts/build_native.ts
 * into build/native/see_gemm.node. It computes in place on the same memory as the WebAssembly kernels
 * (tfjs-wasm's heap, or the Proxy-Anchor helper's own memory): WebAssembly's SIMD is 128 bits wide,
 * AVX2's 256 and AVX-512's 512, and this product runs at about twice the WebAssembly one with AVX2
 * and twice that again with AVX-512 (`npm run bench -- gemm`). gemmOnHeap uses it when the kernels
 * were loaded with it (simd/load.ts); everything else stays WebAssembly, but for one more export: the
 * data-parallel step sums two workers' gradients with its `add` (lib/train/parallel/parallel_step.ts).
 *
 * SEE_NATIVE_GEMM: unset or `auto` = use it where it is built and the CPU has AVX2 and FMA, else the
 * WebAssembly product; `0` = the WebAssembly product only; `1` = required: loading throws, naming
 * why it cannot be used.
 * SEE_NATIVE_AVX512: unset or `auto` = 512-bit tiles where the CPU has AVX-512F; `0` = 256-bit (AVX2)
 * only. Both widths give the same bits (the same fused multiply-adds in the same order).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** native/see_gemm.cc's exports */
export interface NativeGemm {
  /** C [m, n] (row-major at byte address c) = A B (or += when accumulate), operands by byte address and strides in floats */
  gemm(
    bytes: Uint8Array,
    a: number,
    aRowStride: number,
    aColStride: number,
    b: number,
    bRowStride: number,
    bColStride: number,
    c: number,
    m: number,
    k: number,
    n: number,
    accumulate: boolean,
  ): void;
  /** out = a + b element-wise, three Float32Arrays of one length (the data-parallel step's gradient sums); absent from addons built before it */
  add?(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** this CPU has AVX2 and FMA */
  supported(): boolean;
  /** the SIMD widths this CPU allows: [256], or [256, 512] where it has AVX-512F */
  widths(): number[];
  /** the SIMD width in use, 256 or 512 (process-wide) */
  width(): number;
  /** 256, or 512 where the CPU has AVX-512F (a RangeError otherwise); returns the width in use */
  setWidth(bits: number): number;
}

export type NativeGemmMode = 'auto' | 'off' | 'required';

/** where scripts/build_native.ts puts the addon, relative to the project root */
export const NATIVE_GEMM_PATH = join('build', 'native', 'see_gemm.node');
/** the same, absolute */
export const NATIVE_GEMM_FILE = join(__dirname, '..', '..', '..', NATIVE_GEMM_PATH);

export function nativeGemmMode(value: string | undefined = process.env.SEE_NATIVE_GEMM): NativeGemmMode {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'auto') return 'auto';
  if (v === '0') return 'off';
  if (v === '1') return 'required';
  throw new Error(
    `SEE_NATIVE_GEMM="${value}": expected auto (the native AVX2 product where built and supported; the default), 0 (WebAssembly only) or 1 (native required)`,
  );
}

/** SEE_NATIVE_AVX512: whether the native product may use 512-bit tiles where the CPU has AVX-512F */
export function wantsAvx512(value: string | undefined = process.env.SEE_NATIVE_AVX512): boolean {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'auto') return true;
  if (v === '0') return false;
  throw new Error(
    `SEE_NATIVE_AVX512="${value}": expected auto (512-bit tiles where the CPU has AVX-512F; the default) or 0 (256-bit AVX2 tiles only)`,
  );
}

export interface NativeGemmChoice {
  /** the addon, or undefined: the WebAssembly product is used */
  native: NativeGemm | undefined;
  /** why, in words (bench records and error messages) */
  why: string;
}

/**
 * Loads the addon at `file` as `mode` asks, with 512-bit tiles where the CPU has them unless `avx512`
 * is false; throws only when `mode` is 'required' and it cannot be used.
 */
export function loadNativeGemm(mode: NativeGemmMode, file: string = NATIVE_GEMM_FILE, avx512: boolean = wantsAvx512()): NativeGemmChoice {
  if (mode === 'off') return { native: undefined, why: 'SEE_NATIVE_GEMM=0' };
  const refuse = (why: string): NativeGemmChoice => {
    if (mode === 'required') throw new Error(`SEE_NATIVE_GEMM=1: the native matrix product cannot be used: ${why}`);
    return { native: undefined, why };
  };
  if (!existsSync(file)) return refuse(`${file} is not built (npm install builds it with a C++ compiler; npm run native rebuilds it)`);
  let native: NativeGemm;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = require(file) as NativeGemm;
  } catch (err) {
    return refuse(`${file} did not load: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof native.gemm !== 'function' || typeof native.supported !== 'function') return refuse(`${file} is not the kit's see_gemm addon`);
  if (typeof native.setWidth !== 'function' || typeof native.widths !== 'function')
    return refuse(`${file} was built from an older source without AVX-512 tiles (npm run native rebuilds it)`);
  if (!native.supported()) return refuse('this CPU lacks AVX2 or FMA');
  // the widest the CPU has, or 256 when asked; process-wide: every loader of the process asks the same (the environment)
  const width = native.setWidth(avx512 ? Math.max(...native.widths()) : 256);
  return { native, why: `${file} (${width === 512 ? 'AVX-512F' : 'AVX2'} + FMA)` };
}

let cached: { mode: NativeGemmMode; choice: NativeGemmChoice } | undefined;

/** The addon as SEE_NATIVE_GEMM asks (read on each call, loaded once per mode), or undefined. */
export function nativeGemmFromEnv(): NativeGemm | undefined {
  const mode = nativeGemmMode();
  if (cached?.mode !== mode) cached = { mode, choice: loadNativeGemm(mode) };
  return cached.choice.native;
}
