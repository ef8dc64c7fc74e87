/**
 * Folder datasets the tests write themselves: `<root>/<class>/<i>.png`, grey PNGs whose pattern
 * depends on the class (stripes of a class-specific direction and period) and slightly on the
 * image (phase), so classes can be told apart by a network and images of a class differ.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** A size x size one-channel PNG of class `c`, image `i`. */
export function greyPng(c: number, i: number, size = 32): Promise<Buffer> {
  const px = Buffer.alloc(size * size);
  const angle = (c * Math.PI) / 7;
  const period = 4 + (c % 4) * 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = (x * Math.cos(angle) + y * Math.sin(angle) + i * 0.7) / period;
      px[y * size + x] = Math.round(127.5 + 110 * Math.sin(2 * Math.PI * t));
    }
  }
  return sharp(px, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toBuffer();
}

/** Writes `classes` class folders (`c00`, `c01`, ...) of `perClass` grey PNGs each under `root`; returns root. */
export async function writeClassFolders(root: string, classes: number, perClass: number, size = 32): Promise<string> {
  for (let c = 0; c < classes; c++) {
    const dir = join(root, `c${String(c).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perClass; i++) await sharp(await greyPng(c, i, size)).toFile(join(dir, `${i}.png`));
  }
  return root;
}
