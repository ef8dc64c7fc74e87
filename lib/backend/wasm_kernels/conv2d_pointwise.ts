/**
 * Conv2D for wasm: a 1x1 convolution of stride 1 without padding (ResNet's reductions and expansions,
 * about half of ResNet-50's arithmetic) is a plain matrix product, x as [N*H*W, Ci] times the filter
 * as [Ci, Co], whose [N*H*W, Co] result is the NHWC output as is: the kit's product (gemm.ts) runs it
 * on the tensors in place. Every other convolution goes to wasm's own kernel (XNNPACK's).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, wasmBackendOf } from './heap';
import { gemmOnHeap } from './gemm';
import { heapKernels } from './simd';

const NAME = 'Conv2D';

/** every entry of a number or a list of numbers equals v (absent counts as v) */
function all(value: number | readonly number[] | undefined, v: number): boolean {
  if (value === undefined) return true;
  return typeof value === 'number' ? value === v : value.every((e) => e === v);
}

/** the pad attribute adds nothing: 'valid', 'same' (for a 1x1 stride-1 filter), 0 or explicit zeros */
function noPadding(pad: tf.Conv2DAttrs['pad']): boolean {
  if (pad === 'valid' || pad === 'same') return true;
  if (typeof pad === 'number') return pad === 0;
  return pad.every((pair) => pair.every((p) => p === 0));
}

/** Whether Conv2D with these shapes and attrs is the plain product x [N*H*W, Ci] x filter [Ci, Co]. */
export function isPointwiseProduct(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): boolean {
  return (
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    x.shape.length === 4 &&
    filter.shape[0] === 1 &&
    filter.shape[1] === 1 &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    all(attrs.strides, 1) &&
    all(attrs.dilations, 1) &&
    noPadding(attrs.pad)
  );
}

/** a Conv2D replacement; `builtin` is wasm's own kernel, for every other convolution */
export function conv2dKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs;
    if (x == null || filter == null) throw new Error(`wasm kernel ${NAME}: inputs x and filter are required`);
    const kernels = heapKernels();
    if (!kernels || !isPointwiseProduct(x, filter, args.attrs as unknown as tf.Conv2DAttrs)) return builtin(args);
    const backend = wasmBackendOf(args, NAME);
    const [n, h, w, ci] = x.shape;
    const co = filter.shape[3];
    if (filter.shape[2] !== ci)
      throw new Error(`wasm kernel ${NAME}: x has ${ci} channels, the filter ${filter.shape} expects ${filter.shape[2]}`);
    const out = backend.makeOutput([n, h, w, co], 'float32');
    const xs = { address: addressOf(backend, x), rowStride: ci, colStride: 1 }; // [N*H*W, Ci]
    const weights = { address: addressOf(backend, filter), rowStride: co, colStride: 1 }; // [Ci, Co]
    gemmOnHeap(backend, kernels, xs, weights, addressOf(backend, out), n * h * w, ci, co);
    return out;
  };
}
