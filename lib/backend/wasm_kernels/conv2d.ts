/**
 * Conv2D for wasm as the kit's matrix product (gemm.ts), which runs at 38-47 GFLOP/s here against
 * 23-25 for XNNPACK's convolution in tfjs-backend-wasm 4.22:
 * - a 1x1 convolution of stride 1 without padding (ResNet's reductions and expansions, about half of
 *   ResNet-50's arithmetic) is x as [N*H*W, Ci] times the filter as [Ci, Co], whose [N*H*W, Co]
 *   result is the NHWC output as is: the product runs on the tensors in place;
 * - any other (float32, NHWC, dilation 1) builds the patch matrix of a few images at a time, row
 *   (n, oy, ox) holding the fh*fw taps' Ci channels (zeros in the padding; `im2row` in
 *   simd/heap_kernels.wat), and multiplies it by the filter as [fh*fw*Ci, Co] (HWIO's layout).
 *   The parts are about L2-sized (patchChunks, im2col.ts: whole images, or bands of output rows of
 *   one image where one image is more), so the product reads the patches from the cache they were
 *   just written to: 1.16-1.38x against 16 MB parts on the demo's stem and ResNet-50's stem and
 *   layer1 3x3 at batch 8, the same on small or deep layers (`npm run bench -- conv`, README).
 * Other dtypes, NCHW (which wasm's kernel refuses) and dilated convolutions go to wasm's own kernel.
 * Source: the definition of the convolution as in TensorFlow's conv_ops.cc (im2col + GEMM is how
 * its CPU kernels and Caffe compute it); padding and output size from tfjs's computeConv2DInfo.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, heapMemory, wasmBackendOf } from './heap';
import { gemmOnHeap } from './gemm';
import { firstRow, im2rowAt, isPointwise, L2_PATCH, largestRows, patchChunks, patchGeometry, rowsOf, type PatchGeometry } from './im2col';
import { check } from './kernel_tensors';
import { heapKernels } from './simd';

const NAME = 'Conv2D';
/** floats of the patch matrix built at a time at most (16 MB; patchChunks picks fewer) */
const MAX_PATCH = 1 << 22;
/** the same, for the bench (conv.ts) */
export const CONV_MAX_PATCH = MAX_PATCH;
/** a chunk's patches may hold this many times the filter's floats, which each chunk's product packs */
const FILTER_PACKS = 2;

/** every entry of a number or a list of numbers equals v (absent counts as v) */
function all(value: number | readonly number[] | undefined, v: number): boolean {
  if (value === undefined) return true;
  return typeof value === 'number' ? value === v : value.every((e) => e === v);
}

/** Whether the kit's product runs this Conv2D: float32, NHWC, rank 4, dilation 1. */
export function runsOnKitProduct(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): boolean {
  return (
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    x.shape.length === 4 &&
    filter.shape.length === 4 &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    all(attrs.dilations, 1)
  );
}

/** tfjs's geometry of this convolution (output size, padding, strides) */
function geometryOf(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): PatchGeometry {
  const [fh, fw] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return patchGeometry(info, fh, fw);
}

/** Whether it is moreover the plain product x [N*H*W, Ci] x filter [Ci, Co] (1x1, stride 1, no padding). */
export function isPointwiseProduct(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): boolean {
  return runsOnKitProduct(x, filter, attrs) && isPointwise(geometryOf(x, filter, attrs), x.shape[1], x.shape[2]);
}

/**
 * a Conv2D replacement; `builtin` is wasm's own kernel, for the convolutions listed above; the patch
 * matrix holds at most `maxPatch` floats (at least one output row; patchChunks), parts of about `cache`
 * floats (`npm run bench -- conv` sets it as large as maxPatch: one part per maxPatch, as before)
 */
export function conv2dKernel(builtin: tf.KernelFunc, maxPatch = MAX_PATCH, cache = L2_PATCH): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs;
    if (x == null || filter == null) throw new Error(`wasm kernel ${NAME}: inputs x and filter are required`);
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    const kernels = heapKernels();
    if (!kernels || !runsOnKitProduct(x, filter, attrs)) return builtin(args);
    const backend = wasmBackendOf(args, NAME);
    const [n, h, w, ci] = x.shape;
    const [fh, fw, fci, co] = filter.shape;
    check(fci === ci, NAME, () => `x ${x.shape} has ${ci} channels, the filter ${filter.shape} expects ${fci}`);
    const geometry = geometryOf(x, filter, attrs);
    const { outHeight: ho, outWidth: wo } = geometry;
    const out = backend.makeOutput([n, ho, wo, co], 'float32');
    const k = fh * fw * ci;
    const weights = { address: addressOf(backend, filter), rowStride: co, colStride: 1 }; // [fh*fw*Ci, Co]
    const memory = heapMemory(backend);
    if (isPointwise(geometry, h, w)) {
      const rows = { address: addressOf(backend, x), rowStride: ci, colStride: 1 }; // [N*H*W, Ci]
      gemmOnHeap(memory, kernels, rows, weights, addressOf(backend, out), n * h * w, ci, co);
      return out;
    }
    const chunks = patchChunks(n, geometry, ci, co, maxPatch, FILTER_PACKS, cache);
    if (chunks.length === 0) return out; // no output rows
    const patch = backend.makeOutput([largestRows(chunks, geometry) * k], 'float32'); // [rows of a chunk, fh*fw*Ci]
    try {
      const rows = { address: addressOf(backend, patch), rowStride: k, colStride: 1 };
      for (const c of chunks) {
        im2rowAt(kernels, backend, x, geometry, c, rows.address);
        gemmOnHeap(memory, kernels, rows, weights, addressOf(backend, out) + 4 * firstRow(c, geometry) * co, rowsOf(c, geometry), k, co);
      }
    } finally {
      backend.disposeData(patch.dataId);
    }
    return out;
  };
}
