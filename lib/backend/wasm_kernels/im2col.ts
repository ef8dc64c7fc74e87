/**
 * The patch matrix of a convolution and its adjoint, on the wasm heap with strided copies:
 *   colsT[(i * fw + j) * Ci + c, (n * Ho + ho) * Wo + wo] = x[n0 + n, ho*sh - top + i, wo*sw - left + j, c]
 * (0 where that row or column falls in the padding), and col2im, which adds a [M, fh*fw*Ci]
 * matrix of patch gradients back onto the image positions they came from. With them the filter
 * gradient is one plain matrix product colsT [fh*fw*Ci, M] x dy [M, Co] (M = images * Ho * Wo)
 * and the input gradient of a strided convolution is dy [M, Co] x W^T [Co, fh*fw*Ci] then
 * col2im: plain products.
 * The filter gradient on SIMD takes the row-major patch matrix instead (im2rowAt: one copy per filter
 * row, as the kit's Conv2D, conv2d.ts) and reads it transposed in place in the product; colsT,
 * built by strided copies reading one channel of every position per pass, is the path without SIMD.
 */
import type * as tf from '@tensorflow/tfjs';
import { addressOf, type WasmBackend } from './heap';
import type { HeapKernels, PatchPass } from './simd/load';
import { stridedCopy } from './strided_copy';

export interface PatchGeometry {
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
  outHeight: number;
  outWidth: number;
}

/** The patch geometry of a convolution of fh x fw filters from tfjs's computed conv info. */
export function patchGeometry(info: tf.backend_util.Conv2DInfo, fh: number, fw: number): PatchGeometry {
  return {
    fh,
    fw,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
  };
}

/**
 * Whether a convolution of this geometry over H x W images is pointwise: 1x1, stride 1, no padding,
 * so that x [N*H*W, Ci] is its own patch matrix.
 */
export function isPointwise(g: PatchGeometry, h: number, w: number): boolean {
  return g.fh === 1 && g.fw === 1 && g.sh === 1 && g.sw === 1 && g.top === 0 && g.left === 0 && g.outHeight === h && g.outWidth === w;
}

/** floats of a patch matrix chunk that stay in one core's L2 cache (1 MB here) */
export const L2_PATCH = 1 << 18;

/** A part of a patch matrix: output rows oy0 .. oy1-1 of images n0 .. n0+count-1 (a band of one image when count is 1). */
export interface PatchChunk {
  n0: number;
  count: number;
  oy0: number;
  oy1: number;
}

/** the chunk's first row in the whole patch matrix [N*Ho*Wo, k] (and in the NHWC output [N*Ho*Wo, Co]) */
export function firstRow(c: PatchChunk, g: PatchGeometry): number {
  return (c.n0 * g.outHeight + c.oy0) * g.outWidth;
}

/** the chunk's rows */
export function rowsOf(c: PatchChunk, g: PatchGeometry): number {
  return c.count * (c.oy1 - c.oy0) * g.outWidth;
}

/** rows of the largest of patchChunks' parts, for the buffer they share: its first (0 when there is none) */
export function largestRows(chunks: readonly PatchChunk[], g: PatchGeometry): number {
  return chunks.length ? rowsOf(chunks[0], g) : 0;
}

/**
 * The parts in which to build the patch matrix of `n` images (rows of k = fh*fw*Ci values) for a
 * product with a [k, co] matrix, in order: each within a budget of floats, the larger of `cache` (L2_PATCH: the
 * product then reads the patches from the cache they were just written to) and `matrices` times
 * k * co (each part's product packs or adds onto that matrix once: a large one wants larger parts),
 * but never over `cap`. Whole images while one fits, else bands of output rows of one image (at least
 * one row). No part has more rows than the first.
 */
export function patchChunks(
  n: number,
  g: PatchGeometry,
  ci: number,
  co: number,
  cap: number,
  matrices: number,
  cache = L2_PATCH,
): PatchChunk[] {
  const k = g.fh * g.fw * ci;
  const rowFloats = Math.max(1, g.outWidth * k);
  const budget = Math.min(cap, Math.max(cache, matrices * k * co));
  const ho = g.outHeight;
  const chunks: PatchChunk[] = [];
  if (n === 0 || ho === 0) return chunks;
  const images = Math.floor(budget / (ho * rowFloats));
  if (images >= 1) {
    for (let n0 = 0; n0 < n; n0 += images) chunks.push({ n0, count: Math.min(images, n - n0), oy0: 0, oy1: ho });
    return chunks;
  }
  const band = Math.max(1, Math.floor(budget / rowFloats));
  for (let n0 = 0; n0 < n; n0++) {
    for (let oy0 = 0; oy0 < ho; oy0 += band) chunks.push({ n0, count: 1, oy0, oy1: Math.min(ho, oy0 + band) });
  }
  return chunks;
}

/** First and one-past-last output index whose input coordinate o*s - pad + k lies in [0, size). */
function validRange(k: number, s: number, pad: number, size: number, out: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - k) / s));
  const hi = Math.min(out, Math.floor((size - 1 + pad - k) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** colsT [fh*fw*Ci, count*Ho*Wo] for images n0 .. n0+count-1 of x [N, H, W, Ci] (float32). */
export function im2colT(backend: WasmBackend, x: tf.TensorInfo, g: PatchGeometry, n0: number, count: number): tf.TensorInfo {
  const [, h, w, ci] = x.shape;
  const { fh, fw, sh, sw, top, left, outHeight: ho, outWidth: wo } = g;
  const m = count * ho * wo;
  const out = backend.makeOutput([fh * fw * ci, m], 'float32');
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const padded = top > 0 || left > 0 || (ho - 1) * sh + fh - top > h || (wo - 1) * sw + fw - left > w;
  if (padded) dst.fill(0);
  for (let i = 0; i < fh; i++) {
    const [r0, r1] = validRange(i, sh, top, h, ho);
    for (let j = 0; j < fw; j++) {
      const [c0, c1] = validRange(j, sw, left, w, wo);
      if (r1 <= r0 || c1 <= c0) continue;
      const row = (i * fw + j) * ci;
      const srcStart = ((n0 * h + r0 * sh - top + i) * w + c0 * sw - left + j) * ci;
      const dstStart = row * m + r0 * wo + c0;
      stridedCopy(src, srcStart, [ci, count, r1 - r0, c1 - c0], [1, h * w * ci, sh * w * ci, sw * ci], dst, dstStart, [m, ho * wo, wo, 1]);
    }
  }
  return out;
}

/**
 * `pass` (im2row or row2im_add) between the images of a chunk (patchChunks) in x [N, H, W, Ci]
 * (float32) and its patch matrix [rowsOf(chunk), fh*fw*Ci] at byte address `patches`. A band of one
 * image is the image seen from the first input row the band reads (the rows above it left out), with
 * the top padding that is left, as many output rows as the band has; whole images are themselves.
 */
function passOnChunk(pass: PatchPass, backend: WasmBackend, x: tf.TensorInfo, g: PatchGeometry, c: PatchChunk, patches: number): void {
  const [, h, w, ci] = x.shape;
  const start = c.oy0 * g.sh - g.top; // input row of the chunk's first output row's first tap
  const skipped = Math.max(0, start);
  const images = addressOf(backend, x) + 4 * (c.n0 * h + skipped) * w * ci;
  pass(images, patches, c.count, h - skipped, w, ci, c.oy1 - c.oy0, g.outWidth, g.sh, g.sw, skipped - start, g.left, g.fh, g.fw);
}

/**
 * The row-major patch matrix of a chunk (patchChunks) of x [N, H, W, Ci] (float32) written at byte
 * address `dst` by the SIMD kernel `im2row`: row (n, oy, ox) holds the taps' Ci channels one after
 * the other, zeros where a tap reads padding; [rowsOf(chunk), fh*fw*Ci].
 */
export function im2rowAt(kernels: HeapKernels, backend: WasmBackend, x: tf.TensorInfo, g: PatchGeometry, c: PatchChunk, dst: number): void {
  passOnChunk(kernels.im2row, backend, x, g, c, dst);
}

/**
 * im2rowAt's adjoint with the SIMD kernel `row2im_add`: the patch gradients of a chunk at byte address
 * `src` ([rowsOf(chunk), fh*fw*Ci]) added onto the image positions they came from in dx [N, H, W, Ci]
 * (float32), padding skipped.
 */
export function row2imAddAt(
  kernels: HeapKernels,
  backend: WasmBackend,
  dx: tf.TensorInfo,
  g: PatchGeometry,
  c: PatchChunk,
  src: number,
): void {
  passOnChunk(kernels.row2im_add, backend, dx, g, c, src);
}

/** dx[n0 + n, ho*sh - top + i, wo*sw - left + j, c] += cols[(n * Ho + ho) * Wo + wo, (i * fw + j) * Ci + c], padding skipped. */
export function col2imAdd(backend: WasmBackend, cols: tf.TensorInfo, dx: tf.TensorInfo, g: PatchGeometry, n0: number, count: number): void {
  const [, h, w, ci] = dx.shape;
  const { fh, fw, sh, sw, top, left, outHeight: ho, outWidth: wo } = g;
  const k = fh * fw * ci;
  const src = backend.typedArrayFromHeap(cols);
  const dst = backend.typedArrayFromHeap(dx);
  for (let i = 0; i < fh; i++) {
    const [r0, r1] = validRange(i, sh, top, h, ho);
    for (let j = 0; j < fw; j++) {
      const [c0, c1] = validRange(j, sw, left, w, wo);
      if (r1 <= r0 || c1 <= c0) continue;
      const dstStart = ((n0 * h + r0 * sh - top + i) * w + c0 * sw - left + j) * ci;
      stridedCopy(
        src,
        (r0 * wo + c0) * k + (i * fw + j) * ci,
        [count, r1 - r0, c1 - c0, ci],
        [ho * wo * k, wo * k, k, 1],
        dst,
        dstStart,
        [h * w * ci, sh * w * ci, sw * ci, 1],
        true,
      );
    }
  }
}
