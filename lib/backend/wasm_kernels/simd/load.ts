/**
 * The kit's WebAssembly SIMD kernels (heap_kernels.wat) instantiated on a given memory, without tfjs:
 * on tfjs-backend-wasm's heap (index.ts, heapKernels) or on a thread's own memory
 * (lib/losses/pa_helper_worker.ts). The matrix product's inner step comes in two builds of the same
 * WAT: multiply then add (heap_kernels_wasm.ts) and fused multiply-add (gemm_fma_wasm.ts, relaxed
 * SIMD), chosen by SEE_WASM_FMA (wantsFma); where the native AVX2 product is given (../native_gemm.ts,
 * SEE_NATIVE_GEMM), gemmOnHeap runs that one instead.
 */
import { HEAP_KERNELS_WASM_BASE64 } from './heap_kernels_wasm';
import { GEMM_FMA_WASM_BASE64 } from './gemm_fma_wasm';
import type { NativeGemm } from '../native_gemm';

/**
 * im2row and its adjoint row2im_add: between `count` NHWC images [., h, w, ci] at byte address `images`
 * and their patch matrix [count*ho*wo, fh*fw*ci] at `patches`, for a convolution of fh x fw filters,
 * strides sh, sw and padding top, left (heap_kernels.wat)
 */
export type PatchPass = (
  images: number,
  patches: number,
  count: number,
  h: number,
  w: number,
  ci: number,
  ho: number,
  wo: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
  fh: number,
  fw: number,
) => void;

export interface HeapKernels {
  /** out[i] = e^x[i], byte addresses, n values */
  exp(x: number, out: number, n: number): void;
  /** out[i] = erf(x[i]) as tfjs's cpu backend computes it (Abramowitz & Stegun 7.1.26), byte addresses, n values */
  erf(x: number, out: number, n: number): void;
  /** see heap_kernels.wat: exact GELU of n values, or with dy (not 0) its gradient */
  gelu(x: number, dy: number, out: number, n: number): void;
  /** see heap_kernels.wat: Proxy-Anchor's negative exponentials of a block of classes, in place */
  exp_mask_sum(
    g: number,
    rows: number,
    n: number,
    labels: number,
    c0: number,
    alpha: number,
    margin: number,
    sums: number,
    pos: number,
  ): void;
  /** see heap_kernels.wat: one AdamW update of n values (outputs may be the inputs), byte addresses */
  adamw(
    p: number,
    m: number,
    v: number,
    g: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    sqrtBiasCorrection2: number,
    eps: number,
    stepSize: number,
    decay: number,
  ): void;
  /** see heap_kernels.wat: frozen BatchNorm (+ residual) + ReLU forward over [rows, c]; res 0 = absent */
  bn_relu_forward(x: number, scale: number, shift: number, res: number, relu: number, rows: number, c: number, out: number): void;
  /** see heap_kernels.wat: frozen BatchNorm (+ residual) + ReLU backward over [rows, c]; y, gOut 0 = absent */
  bn_relu_backward(dy: number, x: number, y: number, scale: number, rows: number, c: number, dx: number, gOut: number, acc: number): void;
  /** see heap_kernels.wat: MaxPoolGrad into a zeroed dx, four channels at a time */
  maxpool_grad(
    x: number,
    g: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    ho: number,
    wo: number,
    sh: number,
    sw: number,
    fh: number,
    fw: number,
    top: number,
    left: number,
  ): void;
  /** see heap_kernels.wat: the row-major patch matrix [count*ho*wo, fh*fw*ci] of count NHWC images at x, into dst */
  im2row: PatchPass;
  /** see heap_kernels.wat: adds the patch gradients at src [count*ho*wo, fh*fw*ci] back onto the NHWC images at dx (im2row's adjoint) */
  row2im_add: PatchPass;
  /** see heap_kernels.wat: LayerNorm of `rows` rows of d values (weight and bias when w is not 0), with each row's mean and rstd */
  layer_norm(x: number, w: number, b: number, out: number, mean: number, rstd: number, rows: number, d: number, eps: number): void;
  /** see heap_kernels.wat: the official l2_norm of `rows` rows of d values (out may be x), each row's norm stored at norms */
  l2_rows(x: number, out: number, norms: number, rows: number, d: number): void;
  /** see heap_kernels.wat: out = g * f[r] per row (f 0: 1), then with norms (not 0) the gradient through l2_rows of unit rows u */
  scale_project_rows(g: number, f: number, u: number, norms: number, rows: number, d: number, out: number): void;
  /** see heap_kernels.wat: out[j] = sum over the rows of x [rows, cols], accumulated in float64 at acc (cols doubles, 8-byte aligned) */
  col_sum(x: number, rows: number, cols: number, acc: number, out: number): void;
  /** see heap_kernels.wat: LayerNorm's dx from x, dy and the forward's mean and rstd; with w (not 0) also dw and db summed over the rows */
  layer_norm_backward(
    x: number,
    w: number,
    dy: number,
    mean: number,
    rstd: number,
    dx: number,
    dw: number,
    db: number,
    rows: number,
    d: number,
  ): void;
  /** see heap_kernels.wat: g (the gradient of softmax_rows' output p, rows of n) becomes scale p (g - sum g p), in place */
  softmax_rows_backward(p: number, g: number, rows: number, n: number, scale: number): void;
  /** see heap_kernels.wat: the largest |x| of n floats at x (NaN when any is NaN, 0 when n is 0) */
  abs_max(x: number, n: number): number;
  /** see heap_kernels.wat: each of `rows` rows of n floats at x, in place, becomes softmax(scale x) (scale > 0) */
  softmax_rows(x: number, rows: number, n: number, scale: number): void;
  /** see heap_kernels.wat: rows [0, m) of A (row stride lda floats, kc floats each) into gemm's blocks of 4 rows at ap */
  pack_a(a: number, lda: number, m: number, kc: number, ap: number): void;
  /** see heap_kernels.wat: rows [0, m) of A given transposed (element (i, k) at a + 4 (k lda + i)) into gemm's blocks at ap */
  pack_a_t(a: number, lda: number, m: number, kc: number, ap: number): void;
  /** see heap_kernels.wat: B [k, n] (element (kk, j) at b + 4 (kk sk + j sn)) into gemm's panels of 8 columns at bp */
  pack_b(b: number, sk: number, sn: number, k: number, n: number, bp: number): void;
  /** see heap_kernels.wat: C (acc 0) or C + (acc 1) packed A [m, kc] times packed B [kc, n]; kc >= 1 */
  gemm(a: number, bp: number, bstride: number, c: number, ldc: number, m: number, kc: number, n: number, acc: number): void;
  /** the native AVX2 / AVX-512 product on the same memory (../native_gemm.ts): gemmOnHeap's whole product when present */
  native?: NativeGemm;
}

/**
 * Which matrix product gemmOnHeap runs: the native one (fused multiply-adds, 512-bit with AVX-512F or
 * 256-bit with AVX2), or the
 * WebAssembly one with a fused multiply-add per step (relaxed SIMD) or a multiply then an add (SIMD 1.0).
 */
export type GemmVariant = 'avx512-fma' | 'avx2-fma' | 'fma' | 'mul-add';

/**
 * SEE_WASM_FMA: unset or 1 = fused multiply-adds in the matrix product where the WebAssembly has
 * relaxed SIMD (about 1.3x faster here); 0 = multiply then add, whose sums are the same on every
 * machine (relaxed_madd may fuse or not, as the hardware has FMA or not). Throws on other values.
 */
export function wantsFma(value: string | undefined = process.env.SEE_WASM_FMA): boolean {
  const v = value?.trim() ?? '';
  if (v === '' || v === '1') return true;
  if (v === '0') return false;
  throw new Error(
    `SEE_WASM_FMA="${value}": expected 1 (fused multiply-adds where the WebAssembly has relaxed SIMD; the default) or 0 (multiply then add)`,
  );
}

let relaxedModule: WebAssembly.Module | null | undefined;

/**
 * The gemm module with relaxed_madd, or null where relaxed SIMD is missing. Node 22 has it; Node 20's
 * V8 has it behind --experimental-wasm-relaxed-simd, which is set here (it only enables the feature
 * for modules compiled from now on).
 */
function gemmFmaModule(): WebAssembly.Module | null {
  if (relaxedModule !== undefined) return relaxedModule;
  const bytes = Buffer.from(GEMM_FMA_WASM_BASE64, 'base64');
  if (!WebAssembly.validate(bytes)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      /* not Node: no relaxed SIMD then */
    }
  }
  relaxedModule = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return relaxedModule;
}

/**
 * The kernels on `memory`, with gemm fused (fma) when asked for and possible, and with the native
 * product when given (it then runs gemmOnHeap's products; the WebAssembly gemm stays for the rest).
 */
export function loadHeapKernels(
  memory: WebAssembly.Memory,
  fma: boolean,
  native?: NativeGemm,
): { kernels: HeapKernels; gemm: GemmVariant } {
  const bytes = Buffer.from(HEAP_KERNELS_WASM_BASE64, 'base64');
  const base = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as HeapKernels;
  const fused = fma ? gemmFmaModule() : null;
  const kernels: HeapKernels = { ...base };
  if (fused) kernels.gemm = (new WebAssembly.Instance(fused, { env: { memory } }).exports as unknown as Pick<HeapKernels, 'gemm'>).gemm;
  if (native) kernels.native = native;
  return { kernels, gemm: native ? (native.width() === 512 ? 'avx512-fma' : 'avx2-fma') : fused ? 'fma' : 'mul-add' };
}
