/**
 * The kit's WebAssembly SIMD kernels on tfjs-backend-wasm's heap (heap_kernels.wat): instantiated
 * once per backend with the backend's own memory imported, so they work on tensors in place by
 * address. undefined where that is impossible (another backend, or a WebAssembly without SIMD):
 * callers then use tfjs's own kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { HEAP_KERNELS_WASM_BASE64 } from './heap_kernels_wasm';

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
  /** see heap_kernels.wat: one tap of im2colT, [positions, ci] blocks transposed; strides in floats */
  im2col_tap(
    src: number,
    dst: number,
    count: number,
    rows: number,
    cols: number,
    ci: number,
    sN: number,
    sR: number,
    sC: number,
    dN: number,
    dR: number,
    dK: number,
  ): void;
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
  /** see heap_kernels.wat: rows [0, m) of A (row stride lda floats, kc floats each) into gemm's blocks of 4 rows at ap */
  pack_a(a: number, lda: number, m: number, kc: number, ap: number): void;
  /** see heap_kernels.wat: B [k, n] (element (kk, j) at b + 4 (kk sk + j sn)) into gemm's panels of 8 columns at bp */
  pack_b(b: number, sk: number, sn: number, k: number, n: number, bp: number): void;
  /** see heap_kernels.wat: C (acc 0) or C + (acc 1) packed A [m, kc] times packed B [kc, n]; kc >= 1 */
  gemm(a: number, bp: number, bstride: number, c: number, ldc: number, m: number, kc: number, n: number, acc: number): void;
}

let cached: { memory: WebAssembly.Memory; kernels: HeapKernels } | undefined;

/** The kernels bound to the active wasm backend's memory, or undefined. */
export function heapKernels(): HeapKernels | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const memory = (tf.backend() as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  if (cached?.memory === memory) return cached.kernels;
  try {
    const bytes = Buffer.from(HEAP_KERNELS_WASM_BASE64, 'base64');
    const kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as HeapKernels;
    cached = { memory, kernels };
    return kernels;
  } catch {
    return undefined;
  }
}
