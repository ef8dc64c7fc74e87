/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22 lacks, registered for
 * the 'wasm' backend. Each is built on wasm's own kernels (no copy to the cpu backend).
 * - added: Conv2DBackpropFilter, UnsortedSegmentSum (gather's gradient);
 * - replaced: Conv2DBackpropInput (wasm's is a scalar loop, ~10x slower than XNNPACK Conv2D);
 * - gradient (every backend): StridedSlice, which tfjs-core 4.22 cannot differentiate.
 * test/backend/wasm_training_audit.test.ts lists every kernel ResNet-50 and ViT-S/16 training uses.
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

// Gradients are backend-independent: register them when lib/backend/select.ts loads this
// module, so cpu and tensorflow get them too, not only after wasm activates.
registerTrainingGradients();
