/**
 * Gradient of StridedSlice, which tfjs-core 4.22 does not define ("gradient function not found
 * for StridedSlice"), for every backend: dx is zeros with dy placed at the strided positions.
 *
 * Built from pad/reshape/reverse, one input axis at a time, with no index lists: along an axis
 * with stride s > 1 the n gradient rows are spread to n*s rows by padding a new inner axis with
 * s-1 zeros, cut to (n-1)*s+1 rows and padded to the input length at the slice start. A negative
 * stride is the same placement on the reversed axis. Masks (begin, end, ellipsis, new axis,
 * shrink) are resolved by tfjs-core's slice_util.sliceInfo, as the forward kernels do.
 *
 * Source: TensorFlow's StridedSliceGrad (array_grad.py `_StridedSliceGrad`).
 */
import * as tf from '@tensorflow/tfjs';

/** Places `g` (count n along `axis`) at begin, begin+stride, ... of an axis of length `length`. */
function spreadAxis(g: tf.Tensor, axis: number, length: number, begin: number, stride: number): tf.Tensor {
  const n = g.shape[axis];
  const reversed = stride < 0;
  const step = Math.abs(stride);
  const start = reversed ? length - 1 - begin : begin;
  let h = g;
  if (step > 1 && n > 0) {
    const spread = tf.expandDims(h, axis + 1); // [..., n, 1, ...]
    const pads = spread.shape.map((_, i): [number, number] => (i === axis + 1 ? [0, step - 1] : [0, 0]));
    const shape = h.shape.slice();
    shape[axis] = n * step;
    h = tf.reshape(tf.pad(spread, pads), shape); // [..., n*step, ...]
    const size = h.shape.map((d, i) => (i === axis ? (n - 1) * step + 1 : d));
    h = tf.slice(
      h,
      h.shape.map(() => 0),
      size,
    ); // [..., (n-1)*step+1, ...]
  }
  const used = h.shape[axis];
  const after = length - start - used;
  if (start < 0 || after < 0)
    throw new Error(`StridedSlice gradient: slice of ${used} at ${start} does not fit axis ${axis} of length ${length}`);
  h = tf.pad(
    h,
    h.shape.map((_, i): [number, number] => (i === axis ? [start, after] : [0, 0])),
  );
  return reversed ? tf.reverse(h, axis) : h;
}

/** A StridedSlice's slice info and the number of elements it keeps on each input axis (>= 0). */
export function stridedSliceAxes(
  shape: number[],
  a: tf.StridedSliceAttrs,
): { info: ReturnType<typeof tf.slice_util.sliceInfo>; counts: number[] } {
  const info = tf.slice_util.sliceInfo(
    shape,
    a.begin,
    a.end,
    a.strides,
    a.beginMask,
    a.endMask,
    a.ellipsisMask,
    a.newAxisMask,
    a.shrinkAxisMask,
  );
  const counts = tf.slice_util.computeOutShape(info.begin, info.end, info.strides).map((c) => Math.max(c, 0));
  return { info, counts };
}

export const stridedSliceGradConfig: tf.GradConfig = {
  kernelName: 'StridedSlice',
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x] = saved;
    const a = attrs as unknown as tf.StridedSliceAttrs;
    return {
      x: () =>
        tf.tidy(() => {
          const { info, counts } = stridedSliceAxes(x.shape, a);
          let g = tf.reshape(dy as tf.Tensor, counts);
          for (let axis = 0; axis < x.rank; axis++) {
            if (g.shape[axis] === x.shape[axis] && info.strides[axis] === 1) continue;
            g = spreadAxis(g, axis, x.shape[axis], info.begin[axis], info.strides[axis]);
          }
          return g;
        }),
    };
  },
};
