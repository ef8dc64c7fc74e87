/**
 * One loop behind the kit's data-movement kernels (Transpose, Reverse, Slice, StridedSlice, Pad):
 * for every index (i_0, ..., i_{r-1}) of `shape`, dst[dstStart + sum_k i_k dstStrides_k] =
 * src[srcStart + sum_k i_k srcStrides_k]. Source strides may be negative (Reverse), permuted
 * (Transpose) or larger than the row (StridedSlice); destination strides default to row-major
 * order of `shape` (a new contiguous tensor) and are wider than it for Pad's interior.
 *
 * Axes that can be merged in both source and destination (stride_k = stride_{k+1} * n_{k+1}) are
 * merged first, so a slice of whole rows is one run. Contiguous runs longer than RUN use
 * TypedArray.set, shorter ones a plain loop: tfjs-backend-wasm's Slice calls set() for every
 * innermost row, about 30 ns a call, which made a 16-channel slice cost 30 ns a value.
 */
export type Heap = Float32Array | Int32Array | Uint8Array;

const RUN = 32;

export interface Axes {
  shape: number[];
  src: number[];
  dst: number[];
}

/** Merges adjacent axes contiguous in both layouts; drops axes of length 1. */
export function mergeAxes(shape: readonly number[], src: readonly number[], dst: readonly number[] = rowMajorStrides(shape)): Axes {
  const out: Axes = { shape: [], src: [], dst: [] };
  shape.forEach((n, k) => {
    if (n === 1) return;
    const last = out.shape.length - 1;
    if (last >= 0 && out.src[last] === src[k] * n && out.dst[last] === dst[k] * n) {
      out.shape[last] *= n;
      out.src[last] = src[k];
      out.dst[last] = dst[k];
    } else {
      out.shape.push(n);
      out.src.push(src[k]);
      out.dst.push(dst[k]);
    }
  });
  return out;
}

/** Row-major strides of a shape. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = acc;
    acc *= shape[k];
  }
  return strides;
}

/**
 * Copies the strided block `shape` of src to dst (row-major and contiguous unless dstStrides is
 * given); with `accumulate`, adds it to what dst holds instead (col2im of a convolution's input gradient).
 */
export function stridedCopy(
  src: Heap,
  srcStart: number,
  shape: readonly number[],
  srcStrides: readonly number[],
  dst: Heap,
  dstStart: number,
  dstStrides?: readonly number[],
  accumulate = false,
): void {
  if (shape.some((n) => n === 0)) return;
  const m = mergeAxes(shape, srcStrides, dstStrides);
  if (m.shape.length === 0) {
    dst[dstStart] = accumulate ? dst[dstStart] + src[srcStart] : src[srcStart];
    return;
  }
  const r = m.shape.length;
  const inner = m.shape[r - 1];
  const si = m.src[r - 1];
  const di = m.dst[r - 1];
  const outer = m.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const index = new Array<number>(r - 1).fill(0);
  let s = srcStart;
  let d = dstStart;
  const contiguous = si === 1 && di === 1 && inner >= RUN && !accumulate;
  for (let o = 0; o < outer; o++) {
    if (contiguous) {
      dst.set(src.subarray(s, s + inner), d);
    } else if (accumulate) {
      for (let j = 0, p = s, q = d; j < inner; j++, p += si, q += di) dst[q] += src[p];
    } else {
      for (let j = 0, p = s, q = d; j < inner; j++, p += si, q += di) dst[q] = src[p];
    }
    // odometer over the outer axes
    for (let k = r - 2; k >= 0; k--) {
      s += m.src[k];
      d += m.dst[k];
      if (++index[k] < m.shape[k]) break;
      s -= m.src[k] * m.shape[k];
      d -= m.dst[k] * m.shape[k];
      index[k] = 0;
    }
  }
}
