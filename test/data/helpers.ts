/** Test helpers: temp folders and small images made with sharp. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix = 'see-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a file, creating its folder. */
export function put(file: string, content: string | Uint8Array = ''): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** A JPEG of the given size with a horizontal gradient and a colour depending on `seed`. */
export async function makeJpeg(width: number, height: number, seed = 0): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      px[o] = (x * 255) / width;
      px[o + 1] = (y * 255) / height;
      px[o + 2] = (seed * 37) % 256;
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}
