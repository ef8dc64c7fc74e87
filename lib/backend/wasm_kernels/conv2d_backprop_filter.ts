/**
 * Conv2DBackpropFilter for wasm: dW[i,j,ci,co] = sum_{n,ho,wo} x[n, ho*sh - padTop + i, wo*sw - padLeft + j, ci] * dy[n,ho,wo,co].
 *
 * That sum is one matrix product: the transposed patch matrix of x (im2col.ts, [fh*fw*Ci, M],
 * M = N*Ho*Wo, zeros where the forward pass read padding) times dy as [M, Co], whose [fh*fw*Ci, Co]
 * result is the filter layout HWIO as is. With the SIMD kernels the patch matrix is built row-major
 * (im2row, [M, fh*fw*Ci], one copy per filter row) and the product reads it transposed in place
 * (10-16% faster than building the transpose on ResNet-50's 3x3 layers at batch 8). Padding (SAME,
 * VALID, explicit) only decides which rows and columns of each tap are copied; rows the forward pass
 * never read are never touched.
 * The patch matrix is built a part at a time and each part's product added onto dW: with the SIMD
 * kernels about L2-sized parts (patchChunks, im2col.ts: whole images, or bands of output rows of one
 * image) whose products the kit's product adds onto dW on the heap, reading the patches from the
 * cache they were just written to (1.27-1.38x against one patch matrix of the whole batch on the
 * demo's stem and ResNet-50's stem and layer1 3x3, the same on small or deep layers: `npm run bench
 * -- conv`, README); without them slices of at most MAX_PATCH values (128 MB) whose products tf.add
 * sums.
 * For a 1x1 convolution of stride 1 x itself is the patch matrix: dW = x^T dy, with x [M, Ci] read
 * transposed in place by the kit's product (gemm.ts), no copy at all. (With XNNPACK's product, which
 * packed its right operand on every call and ran transposed operands about ten times slower, the kit
 * took ResNet's expansions as dW^T = dy^T x, packing the narrower x: 70 instead of 122 ms at M 25,088,
 * Ci 64, Co 256.)
 * (The kit's first version ran this as an XNNPACK convolution with the images' batch as channels
 * and the stride as dilation: 2-8 input channels per product, 5-10x slower than this.)
 *
 * Source: the definition of the gradient in TensorFlow's conv_grad_filter_ops.cc; the attrs
 * are those of tfjs-core's conv2DBackpropFilter op (no dilations: tfjs's conv2d gradient
 * requires dilation 1).
 */
import * as tf from '@tensorflow/tfjs';
import { backpropFilterInputs } from './backprop_filter_inputs';
import { addressOf, heapMemory, heapTensor, wasmBackendOf, type WasmBackend } from './heap';
import { gemmOnHeap } from './gemm';
import { heapKernels, type HeapKernels } from './simd';
import {
  firstRow,
  im2colT,
  im2rowAt,
  isPointwise,
  L2_PATCH,
  largestRows,
  patchChunks,
  patchGeometry,
  rowsOf,
  type PatchGeometry,
} from './im2col';
import { check } from './kernel_tensors';

const NAME = 'Conv2DBackpropFilter';
const MAX_PATCH = 1 << 25;
/** a chunk's patches may hold this many times dW's floats, which each chunk's product reads and writes again */
const GRADIENT_PASSES = 8;

/**
 * dW [fh, fw, Ci, Co] (the product's [fh*fw*Ci, Co] as is) with the SIMD kernels: for each part
 * (patchChunks), the row-major patch matrix [rows, fh*fw*Ci] (im2row), read transposed in place by
 * the kit's product, times those rows of dy [rows, Co], added onto dW on the heap (the first part
 * writes it).
 */
function filterGradientOnHeap(
  simd: HeapKernels,
  backend: WasmBackend,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  geometry: PatchGeometry,
  maxPatch: number,
  cache: number,
  filterShape: [number, number, number, number],
): tf.Tensor4D {
  const ci = x.shape[3];
  const co = dy.shape[3];
  const k = geometry.fh * geometry.fw * ci;
  const chunks = patchChunks(x.shape[0], geometry, ci, co, maxPatch, GRADIENT_PASSES, cache);
  if (chunks.length === 0) return tf.zeros(filterShape); // [fh, fw, Ci, Co]: an empty sum
  const dw = heapTensor(backend, filterShape) as tf.Tensor4D; // [fh, fw, Ci, Co], i.e. [fh*fw*Ci, Co] row-major
  const patches = heapTensor(backend, [largestRows(chunks, geometry), k]); // [rows of a chunk, fh*fw*Ci]
  try {
    const memory = heapMemory(backend);
    const patchesT = { address: addressOf(backend, patches), rowStride: 1, colStride: k }; // [fh*fw*Ci, rows]
    for (const [i, c] of chunks.entries()) {
      im2rowAt(simd, backend, x, geometry, c, patchesT.address);
      const rows = { address: addressOf(backend, dy) + 4 * firstRow(c, geometry) * co, rowStride: co, colStride: 1 }; // [chunk rows, Co]
      gemmOnHeap(memory, simd, patchesT, rows, addressOf(backend, dw), k, rowsOf(c, geometry), co, i > 0);
    }
  } finally {
    patches.dispose();
  }
  return dw;
}

/**
 * The kernel, building the patch matrix for at most `maxPatch` values at a time, with the SIMD kernels
 * `kernels()` returns (heapKernels; a test passes none to run the path without SIMD), in parts of about
 * `cache` floats with them (patchChunks; `npm run bench -- conv` sets it as large as maxPatch).
 */
export const conv2dBackpropFilterKernel =
  (maxPatch: number, kernels: () => HeapKernels | undefined = heapKernels, cache = L2_PATCH) =>
  (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend?: unknown }): tf.Tensor => {
    const backend = wasmBackendOf(args, NAME);
    const simd = kernels();
    return tf.tidy(() => {
      const { x, dy, info, filterShape } = backpropFilterInputs(args.inputs, args.attrs); // NHWC, checked
      check(x.dtype === 'float32' && dy.dtype === 'float32', NAME, () => `x and dy must be float32, got ${x.dtype} and ${dy.dtype}`);
      const [fh, fw, ci, co] = filterShape;
      const geometry = patchGeometry(info, fh, fw);
      const n = x.shape[0];
      const perImage = info.outHeight * info.outWidth;
      const pointwise = isPointwise(geometry, x.shape[1], x.shape[2]);
      if (simd && pointwise) {
        // x [M, Ci] is the patch matrix of a 1x1 stride-1 convolution: dW = x^T dy, x read transposed in
        // place, written in the filter's layout (no reshape and no engine call: four calls before, each about 8 us)
        const dw = heapTensor(backend, filterShape); // [1, 1, Ci, Co]
        const xT = { address: addressOf(backend, x), rowStride: 1, colStride: ci }; // [Ci, M]
        const rows = { address: addressOf(backend, dy), rowStride: co, colStride: 1 }; // [M, Co]
        gemmOnHeap(heapMemory(backend), simd, xT, rows, addressOf(backend, dw), ci, n * perImage, co);
        return dw;
      }
      if (simd) return filterGradientOnHeap(simd, backend, x, dy, geometry, maxPatch, cache, filterShape); // [fh, fw, Ci, Co]
      const dy2 = tf.reshape(dy, [n * perImage, co]); // [M, Co]
      if (pointwise) {
        const x2 = tf.reshape(x, [n * perImage, ci]); // [M, Ci]: the patch matrix of a 1x1 stride-1 convolution
        return tf.reshape(tf.matMul(x2, dy2, true, false), filterShape); // [1, 1, Ci, Co]
      }
      const chunk = Math.max(1, Math.min(n, Math.floor(maxPatch / Math.max(1, fh * fw * ci * perImage))));
      let dw: tf.Tensor | undefined;
      for (let n0 = 0; n0 < n; n0 += chunk) {
        const count = Math.min(chunk, n - n0);
        const rows = count === n ? dy2 : tf.slice(dy2, [n0 * perImage, 0], [count * perImage, co]); // [count*Ho*Wo, Co]
        const colsT = tf.engine().makeTensorFromTensorInfo(im2colT(backend, x, geometry, n0, count)); // [fh*fw*Ci, count*Ho*Wo]
        const part = tf.matMul(colsT, rows); // [fh*fw*Ci, Co]
        dw = dw ? tf.add(dw, part) : part;
      }
      return tf.reshape(dw ?? tf.zeros([fh * fw * ci, co]), filterShape); // [fh, fw, Ci, Co]
    });
  };

/** floats of the patch matrix at most, for the bench (conv.ts) */
export const FILTER_GRADIENT_MAX_PATCH = MAX_PATCH;

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterKernel(MAX_PATCH) as unknown as tf.KernelFunc,
};
