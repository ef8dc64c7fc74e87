/**
 * Conv2DBackpropInput for wasm, replacing tfjs-backend-wasm 4.22's own kernel (a scalar loop,
 * about 5x slower than its XNNPACK Conv2D on 8x56x56x64, 3x3x64x64):
 * dx[n, y, x, ci] = sum_{i,j,co} dy[n, ho, wo, co] * w[i, j, ci, co] with y = ho*sh - padTop + i.
 *
 * That is a stride-1 XNNPACK convolution of dy, with sh-1 / sw-1 zeros inserted between its
 * rows / columns, against the filter flipped in space and with in/out channels swapped
 * ([fh, fw, Co, Ci], flipped_filter.ts), padded by fh-1-padTop before and whatever makes the output H rows after
 * (a negative pad crops instead). Source: the transposed-convolution identity, as in
 * TensorFlow's conv_grad_input_ops.cc; attrs of tfjs-core's conv2DBackpropInput op.
 * With a stride above 1, three quarters (stride 2) of that convolution's inputs are the inserted
 * zeros; there the kernel computes the patch gradients dy [M, Co] x W^T [Co, fh*fw*Ci] as a plain
 * product and adds them back onto the image (so does a stride-1 one whose dy has few rows per output
 * channel, FEW_ROWS_PER_CHANNEL, where the flipped filter costs more than the convolution saves; with
 * the SIMD kernels only): with the SIMD kernels a part of about one core's L2
 * cache at a time (patchChunks, im2col.ts), added back by `row2im_add` (heap_kernels.wat, the adjoint
 * of im2row) while it is in the cache: 1.4x, 2.5x and 3.6x faster than the JavaScript strided copies
 * on ResNet-50's 1x1/2 downsample and layer2 3x3/2 and the demo's 3x3/2 (`npm run bench -- conv`,
 * README), which remain the path without them (col2im, up to MAX_PATCH values at a time).
 * A 1x1 convolution of stride 1 without padding (ResNet's reductions and expansions) is one product
 * dx = dy [M, Co] x W^T [Co, Ci] with nothing to add back. Both read W transposed in place (the kit's
 * product takes strides): no transposed copy of the filter.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, heapTensor, wasmBackendOf, type WasmBackend } from './heap';
import { gemmOnHeap } from './gemm';
import {
  col2imAdd,
  firstRow,
  isPointwise,
  L2_PATCH,
  largestRows,
  patchChunks,
  patchGeometry,
  row2imAddAt,
  rowsOf,
  type PatchGeometry,
} from './im2col';
import { asTensor, check, insertZeros } from './kernel_tensors';
import { flippedFilter } from './flipped_filter';
import { heapKernels, type HeapKernels } from './simd';

const NAME = 'Conv2DBackpropInput';
/** values of the patch-gradient matrix built at a time at most (128 MB) */
const MAX_PATCH = 1 << 25;
/** the same, for the bench (conv.ts) */
export const INPUT_GRADIENT_MAX_PATCH = MAX_PATCH;
/**
 * A stride-1 convolution's input gradient takes the patch-gradient path (as strided ones do) when dy
 * has fewer rows (N Ho Wo) than this many per output channel: there the flipped filter the stride-1
 * convolution needs (fh fw Ci Co values copied) costs more than the convolution saves. Measured on
 * ResNet-50's 3x3 layers at batch 2, 4 and 8 (a scratch script, 2026-12-03): the patch gradients won
 * at 0.2-6.1 rows per channel (by 11-48%), the convolution of dy at 12-392 (by 5-32%).
 */
export const FEW_ROWS_PER_CHANNEL = 8;
/** a part's patch gradients may hold this many times the filter's floats, which each part's product packs */
const FILTER_PACKS = 2;

/** dx [N, H, W, Ci] on the heap, all zeros: both strided paths add each part's patch gradients onto it. */
function zeroedInputGradient(backend: WasmBackend, xShape: number[]): tf.Tensor4D {
  const dx = heapTensor(backend, xShape) as tf.Tensor4D; // [N, H, W, Ci]
  backend.typedArrayFromHeap(dx).fill(0);
  return dx;
}

/**
 * dx [N, H, W, Ci] of a strided convolution with the SIMD kernels: for each part (patchChunks: about
 * `cache` floats, whole images or bands of output rows of one image), the patch gradients dy [rows, Co]
 * x W^T [Co, fh*fw*Ci] (W read transposed in place), added back onto dx while they are in the cache
 * (row2im_add, the adjoint of im2row). dx starts as zeros, or is `onto` (added into in place).
 */
function stridedBackpropInputOnHeap(
  simd: HeapKernels,
  backend: WasmBackend,
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: number[],
  g: PatchGeometry,
  maxPatch: number,
  cache: number,
  onto?: tf.Tensor4D,
): tf.Tensor4D {
  const [fh, fw, ci, co] = w.shape;
  const k = fh * fw * ci;
  const dx = onto ?? zeroedInputGradient(backend, xShape); // [N, H, W, Ci]
  const chunks = patchChunks(xShape[0], g, ci, co, maxPatch, FILTER_PACKS, cache);
  if (chunks.length === 0) return dx;
  const cols = heapTensor(backend, [largestRows(chunks, g), k]); // [rows of a part, fh*fw*Ci]
  try {
    const memory = heapMemory(backend);
    const filterT = { address: addressOf(backend, w), rowStride: 1, colStride: co }; // W^T [Co, fh*fw*Ci]
    const colsAddress = addressOf(backend, cols);
    for (const c of chunks) {
      const rows = { address: addressOf(backend, dy) + 4 * firstRow(c, g) * co, rowStride: co, colStride: 1 }; // [part rows, Co]
      gemmOnHeap(memory, simd, rows, filterT, colsAddress, rowsOf(c, g), co, k);
      row2imAddAt(simd, backend, dx, g, c, colsAddress);
    }
  } finally {
    cols.dispose();
  }
  return dx;
}

/** dx [N, H, W, Ci] of a strided convolution without the SIMD kernels: dy x W^T per part of the batch, then col2im. */
function stridedBackpropInput(
  backend: WasmBackend,
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: number[],
  g: PatchGeometry,
  maxPatch: number,
): tf.Tensor4D {
  const [fh, fw, ci, co] = w.shape;
  const n = xShape[0];
  const perImage = g.outHeight * g.outWidth;
  const k = fh * fw * ci;
  const w2 = tf.reshape(w, [k, co]); // [fh*fw*Ci, Co], read transposed by the product
  const dy2 = tf.reshape(dy, [n * perImage, co]); // [M, Co]
  const dx = zeroedInputGradient(backend, xShape); // [N, H, W, Ci]
  const chunk = Math.max(1, Math.min(n, Math.floor(maxPatch / Math.max(1, k * perImage))));
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const count = Math.min(chunk, n - n0);
    tf.tidy(() => {
      const rows = count === n ? dy2 : tf.slice(dy2, [n0 * perImage, 0], [count * perImage, co]); // [count*Ho*Wo, Co]
      col2imAdd(backend, tf.matMul(rows, w2, false, true), dx, g, n0, count); // patch gradients [count*Ho*Wo, fh*fw*Ci]
    });
  }
  return dx;
}

/** Crops (negative pads) and pads an axis of length `size` by `before` / `after`. */
function padOrCrop(t: tf.Tensor4D, axis: 1 | 2, before: number, after: number): { t: tf.Tensor4D; before: number; after: number } {
  const begin = [0, 0, 0, 0];
  const size = [-1, -1, -1, -1];
  if (before >= 0 && after >= 0) return { t, before, after };
  begin[axis] = Math.max(0, -before);
  size[axis] = t.shape[axis] - begin[axis] - Math.max(0, -after);
  return { t: tf.slice(t, begin, size), before: Math.max(0, before), after: Math.max(0, after) };
}

/** How the kernel runs: patch gradients of at most `maxPatch` values, built with `kernels()` in parts of about `cache` floats. */
interface InputGradientPlan {
  maxPatch: number;
  kernels: () => HeapKernels | undefined;
  cache: number;
}

/**
 * The kernel; strided convolutions build their patch gradients for at most `maxPatch` values at a time,
 * with the SIMD kernels `kernels()` returns (heapKernels; a test passes none to run the path without
 * them) in parts of about `cache` floats (patchChunks; `npm run bench -- conv` sets it as large as maxPatch).
 */
export const conv2dBackpropInputKernel =
  (maxPatch: number, kernels: () => HeapKernels | undefined = heapKernels, cache = L2_PATCH) =>
  (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend?: unknown }): tf.Tensor => {
    const backend = wasmBackendOf(args, NAME);
    const dy = asTensor(args.inputs, 'dy', NAME) as tf.Tensor4D;
    const w = asTensor(args.inputs, 'filter', NAME) as tf.Tensor4D;
    return inputGradient(backend, dy, w, args.attrs as unknown as tf.Conv2DBackpropInputAttrs, { maxPatch, kernels, cache })!;
  };

/**
 * `onto` + dL/dx of a convolution [N, H, W, Ci], computed into `onto` in place (its old values are
 * gone; the caller owns it, nothing else may hold it), on wasm where the SIMD kernels take it: a
 * pointwise convolution's product adds onto it as it writes (no pass of its own), a strided one's patch
 * gradients are added back onto it instead of onto zeros. Undefined where no such path runs (another
 * backend, NCHW, the stride-1 convolution of dy, no SIMD kernels): the caller adds the kernel's dx.
 * What a ResNet block's two input gradients use (lib/backbones/gradient_handoff.ts), so that tfjs's
 * tape does not sum them with an Add kernel: two activation-sized reads and a write per block.
 */
export function conv2dBackpropInputOnto(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: tf.Conv2DBackpropInputAttrs,
  onto: tf.Tensor4D,
): tf.Tensor4D | undefined {
  if (tf.getBackend() !== 'wasm' || attrs.dataFormat === 'NCHW' || !heapKernels()) return undefined;
  if ([dy, filter, onto].some((t) => t.dtype !== 'float32')) return undefined;
  check(
    onto.shape.every((d, i) => d === attrs.inputShape[i]),
    NAME,
    () => `the gradient to add onto has shape [${onto.shape}], the convolution's input [${attrs.inputShape}]`,
  );
  const backend = tf.backend() as unknown as WasmBackend;
  return inputGradient(backend, dy, filter, attrs, { maxPatch: MAX_PATCH, kernels: heapKernels, cache: L2_PATCH }, onto);
}

/** The kernel's work (see the file's comment); with `onto`, only the paths that add onto it, else undefined. */
function inputGradient(
  backend: WasmBackend,
  dyIn: tf.Tensor4D,
  w: tf.Tensor4D,
  attrs: tf.Conv2DBackpropInputAttrs,
  { maxPatch, kernels, cache }: InputGradientPlan,
  onto?: tf.Tensor4D,
): tf.Tensor4D | undefined {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  return tf.tidy(() => {
    let dy = dyIn;
    const nchw = dataFormat === 'NCHW';
    const xShape: [number, number, number, number] = nchw ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : [...inputShape];
    if (nchw) dy = tf.transpose(dy, [0, 2, 3, 1]); // [N, Ho, Wo, Co]
    check(dy.rank === 4 && w.rank === 4, NAME, () => `dy and filter must be rank 4, got ${dy.shape} and ${w.shape}`);
    const [fh, fw, ci, co] = w.shape;
    const info = tf.backend_util.computeConv2DInfo(xShape, w.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    check(xShape[3] === ci, NAME, () => `inputShape ${inputShape} has ${xShape[3]} channels, the filter ${w.shape} expects ${ci}`);
    check(
      dy.shape[0] === xShape[0] && dy.shape[1] === info.outHeight && dy.shape[2] === info.outWidth && dy.shape[3] === co,
      NAME,
      () => `dy shape ${dy.shape} does not match the forward output [${xShape[0]},${info.outHeight},${info.outWidth},${co}]`,
    );
    const geometry = patchGeometry(info, fh, fw);
    const simd = kernels();
    const float32 = dy.dtype === 'float32' && w.dtype === 'float32';
    if (isPointwise(geometry, xShape[1], xShape[2])) {
      const [n, h, wd] = xShape;
      if (simd && float32) {
        // dx [M, Ci] = dy [M, Co] times W^T, W [Ci, Co] read transposed in place, written as [N, H, W, Ci]
        // (no reshape and no engine call: four calls before, each about 8 us)
        const dx = onto ?? (heapTensor(backend, xShape) as tf.Tensor4D); // [N, H, W, Ci]
        const rows = { address: addressOf(backend, dy), rowStride: co, colStride: 1 }; // [M, Co]
        const wT = { address: addressOf(backend, w), rowStride: 1, colStride: co }; // [Co, Ci]
        gemmOnHeap(heapMemory(backend), simd, rows, wT, addressOf(backend, dx), n * h * wd, co, ci, onto !== undefined);
        return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
      }
      if (onto) return undefined;
      const dy2 = tf.reshape(dy, [n * h * wd, co]); // [M, Co]
      const dx = tf.reshape(tf.matMul(dy2, tf.reshape(w, [ci, co]), false, true), xShape) as tf.Tensor4D; // [N, H, W, Ci]
      return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
    }
    const strided = info.strideHeight > 1 || info.strideWidth > 1;
    const fewRows = dy.shape[0] * info.outHeight * info.outWidth < FEW_ROWS_PER_CHANNEL * co;
    if (strided || (fewRows && simd && float32)) {
      check(float32, NAME, () => `dy and filter must be float32, got ${dy.dtype} and ${w.dtype}`);
      if (onto && !simd) return undefined;
      const dx = simd
        ? stridedBackpropInputOnHeap(simd, backend, dy, w, xShape, geometry, maxPatch, cache, onto)
        : stridedBackpropInput(backend, dy, w, xShape, geometry, maxPatch);
      return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
    }
    if (onto) return undefined;
    const [, h, wd] = xShape;
    let d = insertZeros(insertZeros(dy, 1, info.strideHeight), 2, info.strideWidth) as tf.Tensor4D; // [N, Hd, Wd, Co]
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const rows = padOrCrop(d, 1, top, h + fh - 1 - d.shape[1] - top);
    d = rows.t;
    const cols = padOrCrop(d, 2, left, wd + fw - 1 - d.shape[2] - left);
    d = cols.t;
    const flipped = flippedFilter(backend, w); // [fh, fw, Co, Ci]
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [rows.before, rows.after],
      [cols.before, cols.after],
      [0, 0],
    ];
    const dx = tf.conv2d(d, flipped, 1, pads, 'NHWC'); // [N, H, W, Ci]
    return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputKernel(MAX_PATCH) as unknown as tf.KernelFunc,
};
