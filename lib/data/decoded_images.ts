/**
 * Images decoded once per process and kept as 8-bit sRGB, for the transforms that resample in
 * JavaScript (`resampler: 'pillow'`, the glyphs benchmark's): decoding a small PNG with sharp
 * costs about 1 ms, more than everything else its augmentation needs, and a training run
 * decodes every image once per epoch. The memory is bounded: once `DECODED_CACHE_BYTES` are held,
 * further images are decoded each time they are asked for (same pixels, just slower). An entry
 * is used only while its file keeps the size and modification time it was decoded from.
 */
import { stat } from 'node:fs/promises';
import sharp, { type SharpOptions } from 'sharp';
import { imageSize } from './image_size';
import type { RgbImage } from './pillow_resample';

/** Decoded bytes kept per process at most (the glyphs benchmark at 64 px: about 206 MB in all). */
export const DECODED_CACHE_BYTES = 512 * 1024 * 1024;

interface Entry { image: RgbImage; size: number; mtimeMs: number }

const cache = new Map<string, Entry>();
let heldBytes = 0;

/**
 * The image at `path` as 8-bit sRGB without alpha (sharp's `toColourspace('srgb')` and
 * `removeAlpha()`, as the libvips transform path treats it), from the cache when it is there.
 * `checkSize` runs on the dimensions before the pixels are decoded (the pixel-count limit).
 */
export async function decodedRgb(path: string, options: SharpOptions, checkSize: (width: number, height: number) => void): Promise<RgbImage> {
  const file = await stat(path);
  const held = cache.get(path);
  if (held && held.size === file.size && held.mtimeMs === file.mtimeMs) return held.image;
  if (held) {
    cache.delete(path);
    heldBytes -= held.image.data.length;
  }
  const image = await decodeRgb(path, options, checkSize);
  if (heldBytes + image.data.length <= DECODED_CACHE_BYTES) {
    cache.set(path, { image, size: file.size, mtimeMs: file.mtimeMs });
    heldBytes += image.data.length;
  }
  return image;
}

/** A file or an encoded buffer decoded to 8-bit sRGB without alpha, now (no cache); `checkSize` as for decodedRgb. */
export async function decodeRgb(input: string | Buffer, options: SharpOptions, checkSize: (width: number, height: number) => void): Promise<RgbImage> {
  const meta = (typeof input !== 'string' && imageSize(input)) || (await sharp(input, options).metadata());
  if (!meta.width || !meta.height) throw new Error('no image dimensions');
  checkSize(meta.width, meta.height);
  const { data, info } = await sharp(input, options).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** What the cache holds now (tests, and a log line if memory is ever in question). */
export function decodedCacheSize(): { images: number; bytes: number } {
  return { images: cache.size, bytes: heldBytes };
}

/** Empties the cache (tests; a process that rewrites its images). */
export function clearDecodedCache(): void {
  cache.clear();
  heldBytes = 0;
}
