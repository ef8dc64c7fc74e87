/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22 lacks, registered for
 * the 'wasm' backend. Each is built on wasm's own kernels (no copy to the cpu backend).
 */
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';
import { stridedSliceGradConfig } from './strided_slice_grad';

const KERNELS: KernelConfig[] = [conv2dBackpropFilterConfig, unsortedSegmentSumConfig];

/** Gradients tfjs-core lacks that training needs; backend-independent. */
const GRADIENTS: GradConfig[] = [stridedSliceGradConfig];

let registered = false;
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
}

/** Names of the kernels whose gradients this module adds. */
export function trainingGradientNames(): string[] {
  return GRADIENTS.map((g) => g.kernelName);
}

/** Names of the kernels this module adds, for the audit test and the README. */
export function wasmTrainingKernelNames(): string[] {
  return KERNELS.map((k) => k.kernelName);
}
