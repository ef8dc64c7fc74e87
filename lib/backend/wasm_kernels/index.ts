/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22 lacks, registered for
 * the 'wasm' backend. Each is built on wasm's own kernels (no copy to the cpu backend).
 */
const KERNELS: import('@tensorflow/tfjs').KernelConfig[] = [];

let registered = false;

/** Registers every missing training kernel for 'wasm' once (idempotent). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  for (const k of KERNELS) {
    if (tf.getKernel(k.kernelName, 'wasm') == null) tf.registerKernel(k);
  }
}

/** Names of the kernels this module adds, for the audit test and the README. */
export function wasmTrainingKernelNames(): string[] {
  return KERNELS.map((k) => k.kernelName);
}
