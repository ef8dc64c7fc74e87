/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22 lacks, registered for
 * the 'wasm' backend. Each is built on wasm's own kernels (no copy to the cpu backend).
 * - added: Conv2DBackpropFilter, UnsortedSegmentSum (gather's gradient);
 * - replaced: Conv2DBackpropInput (wasm's is a scalar loop, ~10x slower than XNNPACK Conv2D);
 * - wrapped (wasm's own kernel kept for the cases it runs fast): BatchMatMul (the kit's matrix
 *   product, gemm.ts), Conv2D (the same product: 1x1 in place, others on a patch matrix),
 *   _FusedMatMul (without an activation: the same product and an Add), Transpose (rank 5 and
 *   more), Slice and StridedSlice (non-contiguous), Sum (over leading axes), Exp and Erf (SIMD on
 *   the heap, simd/), Identity (shares memory instead of copying: every tensor a gradient saves is
 *   cloned by it), Unpack (contiguous outputs: one copy each), Equal (broadcast operand: one
 *   pass), and Reverse, PadV2 and MaxPoolGrad replaced: the slow cases `npm run bench -- profile`
 *   found in training steps;
 * - gradient (every backend): StridedSlice, which tfjs-core 4.22 cannot differentiate.
 * test/backend/wasm_training_audit.test.ts lists every kernel ResNet-50 and ViT-S/16 training uses.
 */
import type { GradConfig, KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';
import { stridedSliceGradConfig } from './strided_slice_grad';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input';
import { batchMatMulKernel } from './batch_mat_mul';
import { conv2dKernel } from './conv2d';
import { fusedMatMulKernel } from './fused_mat_mul';
import { maxPoolGradKernel } from './max_pool_grad';
import { sumKernel } from './sum_leading';
import { erfKernel, expKernel } from './simd_unary';
import { identityKernel } from './identity';
import { unpackKernel } from './unpack';
import { equalKernel } from './equal';
import { padKernel, reverseKernel, sliceKernel, stridedSliceKernel, transposeKernel } from './copy_kernels';

const KERNELS: KernelConfig[] = [conv2dBackpropFilterConfig, unsortedSegmentSumConfig];

/** Kernels wasm has but runs as scalar loops; replaced by XNNPACK-based ones. */
const REPLACEMENTS: KernelConfig[] = [conv2dBackpropInputConfig];

/**
 * Kernels wasm has, fast in some cases only: the kit's kernel gets wasm's own one (`builtin`) for
 * those. The wrapper keeps the builtin's setupFunc, which binds its wasm function at backend start.
 */
const WRAPPED: Record<string, (builtin: KernelFunc) => KernelFunc> = {
  BatchMatMul: batchMatMulKernel,
  Conv2D: conv2dKernel,
  _FusedMatMul: fusedMatMulKernel,
  Transpose: transposeKernel,
  Slice: sliceKernel,
  StridedSlice: stridedSliceKernel,
  Reverse: () => reverseKernel,
  PadV2: () => padKernel,
  MaxPoolGrad: () => maxPoolGradKernel,
  Sum: sumKernel,
  Exp: expKernel,
  Erf: erfKernel,
  Identity: identityKernel,
  Unpack: unpackKernel,
  Equal: equalKernel,
};

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
  for (const [name, wrap] of Object.entries(WRAPPED)) {
    const original = tf.getKernel(name, 'wasm');
    if (original == null) throw new Error(`registerWasmTrainingKernels: tfjs-backend-wasm has no ${name} kernel to wrap`);
    builtins.set(name, original);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc) });
  }
}

/** Names of the kernels whose gradients this module adds. */
export function trainingGradientNames(): string[] {
  return GRADIENTS.map((g) => g.kernelName);
}

/** Names of the kernels this module adds, for the audit test and the README. */
export function wasmTrainingKernelNames(): string[] {
  return [...KERNELS, ...REPLACEMENTS].map((k) => k.kernelName).concat(Object.keys(WRAPPED));
}

/** tfjs-backend-wasm's own Conv2DBackpropInput, which the kit replaced (for the benchmark). */
export function builtinWasmBackpropInput(): KernelConfig {
  return builtinWasmKernel('Conv2DBackpropInput');
}

/** tfjs-backend-wasm's own kernel `name` that the kit replaced or wrapped (benchmarks, tests). */
export function builtinWasmKernel(name: string): KernelConfig {
  const k = builtins.get(name);
  if (!k) throw new Error(`builtinWasmKernel: ${name} is not replaced, or initBackend('wasm') has not run yet`);
  return k;
}

// Gradients are backend-independent: register them when lib/backend/select.ts loads this
// module, so cpu and tensorflow get them too, not only after wasm activates.
registerTrainingGradients();
