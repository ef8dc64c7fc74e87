/**
 * Kernels the kit replaces on tfjs-backend-webgpu 4.22, each tested against the cpu backend
 * (test/backend/webgpu_kernels.test.ts):
 * - PadV2 at rank >= 5: tfjs's shader does not compile (`vec5`), see ./pad_v2.ts;
 * - Conv2DBackpropFilter: tfjs's is one thread per filter weight looping over every output
 *   position; the kit's is im2col + split-K matmul, see ./conv2d_backprop_filter.ts.
 * The gradients tfjs-core lacks (StridedSlice) are registered for every backend by ../wasm_kernels.
 * The original kernels stay available (builtinWebGpuKernel) for tests and benchmarks.
 */
import * as tf from '@tensorflow/tfjs';
import { registerTrainingGradients } from '../wasm_kernels';
import { padV2Config } from './pad_v2';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';

/** name -> the replacement, given tfjs's original kernel */
const REPLACEMENTS: Record<string, (original: tf.KernelConfig) => tf.KernelConfig> = {
  PadV2: padV2Config,
  Conv2DBackpropFilter: () => conv2dBackpropFilterConfig,
};

const builtins = new Map<string, tf.KernelConfig>();

/** Replaces the kernels above for 'webgpu' once (idempotent); call after tfjs-backend-webgpu loaded. */
export function registerWebGpuTrainingKernels(): void {
  registerTrainingGradients();
  for (const [name, make] of Object.entries(REPLACEMENTS)) {
    if (builtins.has(name)) continue;
    const original = tf.getKernel(name, 'webgpu');
    if (original == null) throw new Error(`registerWebGpuTrainingKernels: tfjs-backend-webgpu registers no ${name} kernel (is it loaded?)`);
    builtins.set(name, original);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel(make(original));
  }
}

/** Names of the kernels the kit replaces on webgpu (tests, README). */
export function webgpuReplacedKernelNames(): string[] {
  return Object.keys(REPLACEMENTS);
}

/** tfjs-backend-webgpu's own kernel the kit replaced (for tests and the benchmark). */
export function builtinWebGpuKernel(name: string): tf.KernelConfig {
  const k = builtins.get(name);
  if (!k) throw new Error(`builtinWebGpuKernel: ${name} is not replaced yet (call initBackend('webgpu') first)`);
  return k;
}
