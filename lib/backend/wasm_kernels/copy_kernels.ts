/**
 * Transpose, Reverse, Slice, StridedSlice and PadV2 for wasm as one strided copy on the heap (strided_copy.ts),
 * replacing tfjs-backend-wasm 4.22's kernels where they are slow (measured on this machine):
 * - Transpose of rank 5 (ViT's qkv split [B, N, 3, h, hd] -> [3, B, h, N, hd]): ~100 ns a value;
 * - Reverse (e.g. a [3, 3, 512, 512] filter flipped in space): ~50 ns a value;
 * - Slice with short rows (a 3- or 16-channel NHWC crop): one TypedArray.set per row, ~30 ns a value.
 * Transposes of rank 4 or less stay on wasm's own kernel (a few ns a value), as do contiguous slices.
 * Semantics: tfjs-core's (slice_util.parseSliceParams for Slice; util.parseAxisParam for Reverse).
 */
import * as tf from '@tensorflow/tfjs';
import { wasmBackendOf, type WasmBackend } from './heap';
import { rowMajorStrides, stridedCopy, mergeAxes } from './strided_copy';
import { stridedSliceAxes } from './strided_slice_grad';

type Args = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend?: unknown };

function input(args: Args, kernel: string): { backend: WasmBackend; x: tf.TensorInfo } {
  const x = args.inputs.x;
  if (x == null) throw new Error(`wasm kernel ${kernel}: input 'x' is missing`);
  if (x.dtype === 'string' || x.dtype === 'complex64') throw new Error(`wasm kernel ${kernel}: dtype ${x.dtype} is not supported`);
  return { backend: wasmBackendOf(args, kernel), x };
}

/** out (new tensor of `shape`) = x's elements at start + sum i_k strides_k. */
function copyOut(backend: WasmBackend, x: tf.TensorInfo, start: number, shape: number[], strides: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, x.dtype);
  // views after the allocation: makeOutput may grow the heap
  stridedCopy(backend.typedArrayFromHeap(x), start, shape, strides, backend.typedArrayFromHeap(out), 0);
  return out;
}

/** a Transpose replacement; `builtin` runs the ranks wasm does fast */
export function transposeKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { backend, x } = input(args as Args, 'Transpose');
    const perm = (args.attrs as unknown as tf.TransposeAttrs).perm;
    const inStrides = rowMajorStrides(x.shape);
    const shape = perm.map((p) => x.shape[p]);
    const strides = perm.map((p) => inStrides[p]);
    if (mergeAxes(shape, strides).shape.length <= 4) return builtin(args);
    return copyOut(backend, x, 0, shape, strides);
  };
}

export const reverseKernel: tf.KernelFunc = (args) => {
  const { backend, x } = input(args as Args, 'Reverse');
  const axes = tf.util.parseAxisParam((args.attrs as unknown as tf.ReverseAttrs).dims, x.shape);
  const strides = rowMajorStrides(x.shape);
  let start = 0;
  for (const a of axes) {
    start += (x.shape[a] - 1) * strides[a];
    strides[a] = -strides[a];
  }
  return copyOut(backend, x, start, x.shape.slice(), strides);
};

/** a Slice replacement; `builtin` keeps contiguous slices (one copy) */
export function sliceKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { backend, x } = input(args as Args, 'Slice');
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    if (tf.slice_util.isSliceContinous(x.shape, b, s)) return builtin(args);
    const strides = rowMajorStrides(x.shape);
    const start = b.reduce((acc, v, k) => acc + v * strides[k], 0);
    return copyOut(backend, x, start, s, strides);
  };
}

/** a StridedSlice replacement (wasm's runs a per-element loop, ~45 ns a value); `builtin` keeps no-ops and plain slices */
export function stridedSliceKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { backend, x } = input(args as Args, 'StridedSlice');
    const a = args.attrs as unknown as tf.StridedSliceAttrs;
    const { info, counts } = stridedSliceAxes(x.shape, a);
    if (info.isIdentity || info.sliceDim0 || info.isSimpleSlice) return builtin(args);
    const rowStrides = rowMajorStrides(x.shape);
    const start = info.begin.reduce((acc, v, k) => acc + v * rowStrides[k], 0);
    const out = copyOut(
      backend,
      x,
      start,
      counts,
      rowStrides.map((s, k) => s * info.strides[k]),
    );
    return { dataId: out.dataId, shape: info.finalShape, dtype: out.dtype };
  };
}

/** PadV2 (wasm's copies row by row, ~100 ns a value for a 3-channel image): fill, then copy x into the interior */
export const padKernel: tf.KernelFunc = (args) => {
  const { backend, x } = input(args as Args, 'PadV2');
  const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
  const shape = x.shape.map((n, k) => paddings[k][0] + n + paddings[k][1]);
  const out = backend.makeOutput(shape, x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  dst.fill(constantValue);
  const dstStrides = rowMajorStrides(shape);
  const start = paddings.reduce((acc, [before], k) => acc + before * dstStrides[k], 0);
  stridedCopy(src, 0, x.shape, rowMajorStrides(x.shape), dst, start, dstStrides);
  return out;
};
