/**
 * The expansion's WebAssembly SIMD kernels (expansion_kernels.wat, assembled into
 * expansion_kernels_wasm.ts by scripts/build_wasm.ts), instantiated synchronously on first use,
 * with one memory grown as needed. Offsets and sizes are in bytes; see the WAT for the layout.
 */
import { EXPANSION_KERNELS_WASM_BASE64 } from './expansion_kernels_wasm';

interface KernelExports {
  memory: WebAssembly.Memory;
  gram(v: number, g: number, s: number, k: number, dp: number): void;
  combine(a: number, v: number, out: number, s: number, n: number, k: number, dp: number): void;
  fill_normal(out: number, len: number): void;
}

export interface ExpansionKernels {
  /** 'wasm' (SIMD) or 'js' (the plain loops) */
  readonly kind: 'wasm' | 'js';
  /** grows the memory to at least `bytes` and returns a float32 view of all of it (valid until the next call) */
  reserve(bytes: number): Float32Array;
  /** g [s, k, k] = Gram matrices of the rows of v [s, k, dp] (float32, dp % 8 == 0) */
  gram(v: number, g: number, s: number, k: number, dp: number): void;
  /** out [s, n, dp] = a [s, n, k] x v [s, k, dp] per sample (dp % 8 == 0) */
  combine(a: number, v: number, out: number, s: number, n: number, k: number, dp: number): void;
  /** raw ziggurat fill (wasm only; lib/method/random.ts sets the state and tables, see the WAT) */
  fill_normal?(out: number, len: number): void;
}

/** callers' data starts here (bytes); below: the normal generator's state and tables */
export const KERNEL_DATA_BASE = 4096;

let instance: ExpansionKernels | undefined;

/** The same kernels in plain JavaScript over a growable Float32Array (reference for tests; fallback). */
export function jsExpansionKernels(): ExpansionKernels {
  let mem = new Float32Array(0);
  return {
    kind: 'js',
    reserve(bytes: number): Float32Array {
      if (bytes > mem.byteLength) {
        const next = new Float32Array(Math.ceil(bytes / 4));
        next.set(mem);
        mem = next;
      }
      return mem;
    },
    gram(v: number, g: number, s: number, k: number, dp: number): void {
      const m = mem;
      for (let q = 0; q < s; q++) {
        const vb = v / 4 + q * k * dp;
        const gb = g / 4 + q * k * k;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j <= i; j++) {
            let acc = 0;
            for (let t = 0; t < dp; t++) acc += m[vb + i * dp + t] * m[vb + j * dp + t];
            m[gb + i * k + j] = acc;
            m[gb + j * k + i] = acc;
          }
        }
      }
    },
    combine(a: number, v: number, out: number, s: number, n: number, k: number, dp: number): void {
      const m = mem;
      for (let q = 0; q < s; q++) {
        const ab = a / 4 + q * n * k;
        const vb = v / 4 + q * k * dp;
        const ob = out / 4 + q * n * dp;
        for (let p = 0; p < n; p++) {
          for (let t = 0; t < dp; t++) {
            let acc = 0;
            for (let j = 0; j < k; j++) acc += m[ab + p * k + j] * m[vb + j * dp + t];
            m[ob + p * dp + t] = acc;
          }
        }
      }
    },
  };
}

/** the WebAssembly SIMD kernels (the plain JavaScript ones where WebAssembly SIMD is unavailable) */
export function expansionKernels(): ExpansionKernels {
  if (instance) return instance;
  let ex: KernelExports;
  try {
    const bytes = Buffer.from(EXPANSION_KERNELS_WASM_BASE64, 'base64');
    ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { math: { exp: Math.exp, log: Math.log } }).exports as unknown as KernelExports;
  } catch {
    instance = jsExpansionKernels();
    return instance;
  }
  const memory = ex.memory;
  let view = new Float32Array(memory.buffer);
  instance = {
    kind: 'wasm',
    reserve(bytes: number): Float32Array {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
    gram: ex.gram,
    combine: ex.combine,
    fill_normal: ex.fill_normal,
  };
  return instance;
}
