/** The expansion kernels' interface: the WebAssembly module and its plain JavaScript twin. */

export interface ExpansionKernels {
  /** 'wasm' (SIMD) or 'js' (the plain loops) */
  readonly kind: 'wasm' | 'js';
  /** grows the memory to at least `bytes` and returns a float32 view of all of it (valid until the next call) */
  reserve(bytes: number): Float32Array;
  /** g [s, k, k] = Gram matrices of the rows of v [s, k, dp] (float32, dp % 8 == 0) */
  gram(v: number, g: number, s: number, k: number, dp: number): void;
  /** out [s, n, dp] = a [s, n, k] x v [s, k, dp] per sample (dp % 8 == 0) */
  combine(a: number, v: number, out: number, s: number, n: number, k: number, dp: number): void;
  /**
   * a [s, n, k] = float32(rn[q] * (cf[q] @ L_q^-1[1:, :]) + c[q] e0) with L_q the Cholesky factor of
   * g[q] (see the WAT): g f32 [s, k, k]; cf f64 [n, k-1] per sample, `cfstride` bytes apart (0: shared);
   * c, rn f32 [s]; scratch (8-byte aligned, like cf) 2k^2 + k f64. Returns -1, or the first sample
   * with a pivot <= MIN_PIVOT (lib/method/fast/orthonormal.ts).
   */
  pointCoefficients(
    g: number,
    cf: number,
    cfstride: number,
    c: number,
    rn: number,
    a: number,
    scratch: number,
    s: number,
    n: number,
    k: number,
  ): number;
  /**
   * out [b, 2d+2] f32: per row i of x [b, d] (raw), z = x_i/|x_i|, w = p[slot[i]], float32(z.w) and
   * |z - (z.w) w|; p [u, d] (raw distinct proxies) is normalised in place; slot i32 [b]. Any d.
   */
  unitRows(x: number, p: number, slot: number, out: number, b: number, u: number, d: number): void;
  /** raw ziggurat fill of `turns` x 4 draws (wasm only; lib/random.ts sets the state and tables, see the WAT) */
  fill_normal4?(out: number, turns: number): void;
}

/** callers' data starts here (bytes); below: the normal generator's state and tables */
export const KERNEL_DATA_BASE = 4096;
