/**
 * Pillow's bicubic resampling (`Image.resize(size, BICUBIC)`, what torchvision's Resize and
 * RandomResizedCrop do to a PIL image), ported to integers exactly as Pillow's Resample.c does it
 * for 8-bit images: a separable filter (a = -0.5, support 2, widened by the scale when shrinking,
 * so shrinking is antialiased), weights normalised per output pixel and turned into 22-bit fixed
 * point, a horizontal pass into 8-bit rows, then a vertical pass. Each pass is skipped when its
 * side keeps its size, as in Pillow. Checked byte for byte against Pillow (test/fixtures/data/pillow_resize.json).
 */
import type { Crop } from './transforms';

/** An 8-bit RGB image, rows top to bottom, HWC. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per output pixel: the first input index, how many inputs it reads, and their fixed-point weights. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  /** outSize x ksize weights, row-major */
  weights: Float64Array;
  ksize: number;
}

const tapsCache = new Map<string, Taps>();

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for input span [0, inSize) -> outSize (kept: crops repeat sizes). */
function taps(inSize: number, outSize: number): Taps {
  const key = `${inSize}/${outSize}`;
  const held = tapsCache.get(key);
  if (held) return held;
  const made = computeTaps(inSize, outSize);
  if (tapsCache.size < 4096) tapsCache.set(key, made);
  return made;
}

function computeTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const inverse = 1 / filterScale; // Pillow multiplies by the reciprocal: the same rounding
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = hi - lo;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      k[i] = bicubic((i + lo - center + 0.5) * inverse);
      sum += k[i];
    }
    for (let i = 0; i < n; i++) {
      const w = sum !== 0 ? k[i] / sum : k[i];
      weights[o * ksize + i] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, weights, ksize };
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / ONE);
}

/**
 * The `box` region of `src` resized to outWidth x outHeight with Pillow's bicubic filter, i.e.
 * `img.crop(box).resize((outWidth, outHeight), Image.BICUBIC)` for an RGB `img`. Returns HWC bytes.
 */
export function pillowBicubic(src: RgbImage, box: Crop, outWidth: number, outHeight: number): Uint8Array {
  const { left, top, width, height } = box;
  if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > src.width || top + height > src.height)
    throw new Error(`pillowBicubic: box ${JSON.stringify(box)} is not inside the ${src.width} x ${src.height} image`);
  if (!Number.isInteger(outWidth) || !Number.isInteger(outHeight) || outWidth < 1 || outHeight < 1)
    throw new Error(`pillowBicubic: output ${outWidth} x ${outHeight} is not a positive integer size`);
  const stride = src.width * 3;
  const v = taps(height, outHeight);
  // rows of the box the vertical pass reads (all of them when only the width changes)
  const needVertical = outHeight !== height;
  const rowFirst = needVertical ? v.first[0] : 0;
  const rowEnd = needVertical ? v.first[outHeight - 1] + v.count[outHeight - 1] : height;
  // horizontal pass: rows [rowFirst, rowEnd) of the box -> mid [rows, outWidth, 3]
  let mid: Uint8Array;
  let midStride: number;
  let midOffset: number; // index in `mid` of the box's pixel (0, rowFirst)
  if (outWidth !== width) {
    const h = taps(width, outWidth);
    const rows = rowEnd - rowFirst;
    mid = new Uint8Array(rows * outWidth * 3);
    for (let r = 0; r < rows; r++) {
      const inRow = (top + rowFirst + r) * stride + left * 3;
      const outRow = r * outWidth * 3;
      for (let o = 0; o < outWidth; o++) {
        let s0 = HALF, s1 = HALF, s2 = HALF;
        const base = o * h.ksize;
        const x0 = inRow + h.first[o] * 3;
        for (let i = 0; i < h.count[o]; i++) {
          const w = h.weights[base + i];
          const p = x0 + i * 3;
          s0 += src.data[p] * w;
          s1 += src.data[p + 1] * w;
          s2 += src.data[p + 2] * w;
        }
        mid[outRow + o * 3] = clip8(s0);
        mid[outRow + o * 3 + 1] = clip8(s1);
        mid[outRow + o * 3 + 2] = clip8(s2);
      }
    }
    midStride = outWidth * 3;
    midOffset = -rowFirst * midStride;
  } else {
    mid = src.data;
    midStride = stride;
    midOffset = top * stride + left * 3;
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  if (!needVertical) {
    for (let y = 0; y < outHeight; y++) out.set(mid.subarray(midOffset + y * midStride, midOffset + y * midStride + outWidth * 3), y * outWidth * 3);
    return out;
  }
  // vertical pass: mid rows -> out [outHeight, outWidth, 3]
  for (let o = 0; o < outHeight; o++) {
    const base = o * v.ksize;
    const row0 = midOffset + v.first[o] * midStride;
    for (let x = 0; x < outWidth * 3; x++) {
      let s = HALF;
      for (let i = 0; i < v.count[o]; i++) s += mid[row0 + i * midStride + x] * v.weights[base + i];
      out[o * outWidth * 3 + x] = clip8(s);
    }
  }
  return out;
}
