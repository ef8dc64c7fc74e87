/**
 * Image files checked before a run starts, so a bad file stops it in the first minute rather than
 * hours in, and before anything is written to the run folder. Per file: it exists and is not
 * empty, it starts with the signature of a format the decoder reads, its header gives dimensions
 * within the pixel limit (checked before any decoding), and a JPEG or PNG ends with its end
 * marker (a truncated download fails here). Only the head and tail of each file are read.
 */
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { imageSize } from './image_size';

/**
 * Largest image accepted, in pixels: PIL's decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS,
 * above which PIL, and so the official PyTorch loader, refuses to open an image).
 */
export const MAX_IMAGE_PIXELS = 178_956_970;

const HEAD = 64 * 1024;
const TAIL = 1024;

type Format = 'jpeg' | 'png' | 'other';

const SIGNATURES: { format: Format; bytes: number[]; name: string }[] = [
  { format: 'jpeg', bytes: [0xff, 0xd8, 0xff], name: 'JPEG' },
  { format: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], name: 'PNG' },
  { format: 'other', bytes: [0x42, 0x4d], name: 'BMP' },
  { format: 'other', bytes: [0x49, 0x49, 0x2a, 0x00], name: 'TIFF' },
  { format: 'other', bytes: [0x4d, 0x4d, 0x00, 0x2a], name: 'TIFF' },
  { format: 'other', bytes: [0x52, 0x49, 0x46, 0x46], name: 'WebP' },
  { format: 'other', bytes: [0x50, 0x35], name: 'PGM' },
  { format: 'other', bytes: [0x50, 0x36], name: 'PPM' },
];

/** Throws when width x height exceeds `maxPixels`, before anything is decoded. */
export function checkPixelLimit(width: number, height: number, where: string, maxPixels = MAX_IMAGE_PIXELS): void {
  if (width * height > maxPixels) {
    throw new Error(`${where}: ${width} x ${height} = ${width * height} pixels is over the limit of ${maxPixels} (PIL's decompression-bomb limit); refused before decoding`);
  }
}

function formatOf(head: Uint8Array): Format | undefined {
  return SIGNATURES.find((s) => s.bytes.every((b, i) => head[i] === b))?.format;
}

function hasEndMarker(tail: Uint8Array, format: Format): boolean {
  if (format === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  if (format === 'png') return Buffer.from(tail).includes('IEND');
  return true;
}

/** What is wrong with one image file, or undefined when it passes. */
export async function imageFileProblem(path: string, maxPixels = MAX_IMAGE_PIXELS): Promise<string | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    return `cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  try {
    const { size } = await file.stat();
    if (size === 0) return 'is empty (0 bytes)';
    const head = new Uint8Array(Math.min(size, HEAD));
    await file.read(head, 0, head.length, 0);
    const format = formatOf(head);
    if (!format) {
      const text = Buffer.from(head.subarray(0, 12)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
      return `is not an image: it starts with "${text}", not with the signature of ${[...new Set(SIGNATURES.map((s) => s.name))].join(', ')}`;
    }
    let dims = format === 'other' ? undefined : imageSize(head);
    if (!dims) {
      const meta = await sharp(path).metadata().catch((err: Error) => ({ error: err.message, width: undefined, height: undefined }));
      if ('error' in meta) return `has an unreadable header (${meta.error})`;
      if (!meta.width || !meta.height) return 'has no dimensions in its header';
      dims = { width: meta.width, height: meta.height };
    }
    if (dims.width * dims.height > maxPixels) return `is ${dims.width} x ${dims.height} = ${dims.width * dims.height} pixels, over the limit of ${maxPixels} (refused before decoding)`;
    if (dims.width === 0 || dims.height === 0) return `has a ${dims.width} x ${dims.height} header`;
    const tail = new Uint8Array(Math.min(size, TAIL));
    await file.read(tail, 0, tail.length, size - tail.length);
    if (!hasEndMarker(tail, format)) return `is truncated: no ${format === 'jpeg' ? 'JPEG end-of-image marker' : 'PNG IEND chunk'} at the end of its ${size} bytes`;
    return undefined;
  } finally {
    await file.close();
  }
}

/** Checks every file (`concurrency` at a time); throws one error listing the bad ones (up to 10 shown). */
export async function checkImageFiles(paths: string[], options: { maxPixels?: number; concurrency?: number } = {}): Promise<void> {
  const unique = [...new Set(paths)];
  const problems: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, async () => {
    while (next < unique.length) {
      const path = unique[next++];
      const p = await imageFileProblem(path, options.maxPixels);
      if (p) problems.push(`${path} ${p}`);
    }
  }));
  if (problems.length === 0) return;
  problems.sort();
  throw new Error(`${problems.length} of ${unique.length} image files cannot be used:\n- ${problems.slice(0, 10).join('\n- ')}` +
    `${problems.length > 10 ? `\n- ... and ${problems.length - 10} more` : ''}\nrepair or re-download them (or remove them from the dataset) before training`);
}
