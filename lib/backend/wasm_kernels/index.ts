/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22 lacks, registered for
 * the 'wasm' backend. Each is built on wasm's own kernels (no copy to the cpu backend).
 */
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';
import { stridedSliceGradConfig } from './strided_slice_grad';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input';

const KERNELS: KernelConfig[] = [conv2dBackpropFilterConfig, unsortedSegmentSumConfig];

/** Kernels wasm has but runs as scalar loops; replaced by XNNPACK-based ones. */
const REPLACEMENTS: KernelConfig[] = [conv2dBackpropInputConfig];

/** Gradients tfjs-core lacks that training needs; backend-independent. */
const GRADIENTS: GradConfig[] = [stridedSliceGradConfig];

let registered = false;
const builtins = new Map<string, KernelConfig>();
let gradientsRegistered = false;

/** Registers the missing gradients (every backend) once (idempotent). */
export function registerTrainingGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  for (const g of GRADIENTS) {
    if (tf.getGradient(g.kernelName) == null) tf.registerGradient(g);
  }
}

/** Registers every missing training kernel for 'wasm' once (idempotent). */
export function registerWasmTrainingKernels(): void {
  registerTrainingGradients();
  if (registered) return;
  registered = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  for (const k of KERNELS) {
    if (tf.getKernel(k.kernelName, 'wasm') == null) tf.registerKernel(k);
  }
  for (const k of REPLACEMENTS) {
    const original = tf.getKernel(k.kernelName, 'wasm');
    if (original != null) {
      builtins.set(k.kernelName, original);
      tf.unregisterKernel(k.kernelName, 'wasm');
    }
    tf.registerKernel(k);
  }
}

/** Names of the kernels whose gradients this module adds. */
export function trainingGradientNames(): string[] {
  return GRADIENTS.map((g) => g.kernelName);
}

/** Names of the kernels this module adds, for the audit test and the README. */
export function wasmTrainingKernelNames(): string[] {
  return [...KERNELS, ...REPLACEMENTS].map((k) => k.kernelName);
}

/** tfjs-backend-wasm's own Conv2DBackpropInput, which the kit replaced (for the benchmark). */
export function builtinWasmBackpropInput(): KernelConfig {
  const k = builtins.get('Conv2DBackpropInput');
  if (!k) throw new Error('builtinWasmBackpropInput: call initBackend(\'wasm\') first (the kernel is replaced then)');
  return k;
}
