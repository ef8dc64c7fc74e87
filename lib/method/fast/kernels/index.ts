/**
 * The expansion's WebAssembly SIMD kernels (expansion_kernels.wat, assembled into
 * expansion_kernels_wasm.ts by scripts/build_wasm.ts), instantiated synchronously on first use,
 * with one memory grown as needed. Offsets and sizes are in bytes; see the WAT for the layout.
 */
import { EXPANSION_KERNELS_WASM_BASE64 } from './expansion_kernels_wasm';
import { jsExpansionKernels } from './js_kernels';
import type { ExpansionKernels } from './types';

export { jsExpansionKernels } from './js_kernels';
export { KERNEL_DATA_BASE, type ExpansionKernels } from './types';

/** the module's exports: the interface's kernels under the WAT's names (signatures in ./types.ts) */
interface KernelExports {
  memory: WebAssembly.Memory;
  gram: ExpansionKernels['gram'];
  combine: ExpansionKernels['combine'];
  fill_normal4: NonNullable<ExpansionKernels['fill_normal4']>;
  point_coefficients: ExpansionKernels['pointCoefficients'];
  unit_rows: ExpansionKernels['unitRows'];
}

let instance: ExpansionKernels | undefined;

/** the WebAssembly SIMD kernels (the plain JavaScript ones where WebAssembly SIMD is unavailable) */
export function expansionKernels(): ExpansionKernels {
  if (instance) return instance;
  let ex: KernelExports;
  try {
    const bytes = Buffer.from(EXPANSION_KERNELS_WASM_BASE64, 'base64');
    ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { math: { log: Math.log } }).exports as unknown as KernelExports;
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
    pointCoefficients: ex.point_coefficients,
    unitRows: ex.unit_rows,
    fill_normal4: ex.fill_normal4,
  };
  return instance;
}

/**
 * Runs `fn` with `kernels` in place of the module's own (tests: the plain JavaScript fallback that
 * runs where WebAssembly SIMD is missing), then puts the previous ones back.
 */
export function withExpansionKernels<T>(kernels: ExpansionKernels, fn: () => T): T {
  const previous = instance;
  instance = kernels;
  try {
    return fn();
  } finally {
    instance = previous;
  }
}
