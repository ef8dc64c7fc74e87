/**
 * Image grids for notebooks: PNG bytes shown as one HTML grid of inline `data:` images (no files,
 * nothing fetched), and a batch tensor [B, H, W, 3] (normalised with mean/std) turned back into PNGs.
 */
import sharp from 'sharp';
import { tf } from '../tf';
import { displayHtml } from './display';

export interface GridImage {
  png: Uint8Array;
  caption?: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** HTML of a grid of images, `columns` per row, each drawn `px` pixels wide (pixelated upscaling). */
export function imageGridHtml(images: GridImage[], columns = 8, px = 64): string {
  if (images.length === 0) throw new Error('imageGridHtml: no images given');
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`imageGridHtml: columns must be a positive integer, got ${columns}`);
  const cells = images.map((im) => {
    const src = `data:image/png;base64,${Buffer.from(im.png).toString('base64')}`;
    const caption = im.caption ? `<div style="font:11px sans-serif;text-align:center">${escapeHtml(im.caption)}</div>` : '';
    return `<div class="see-image"><img src="${src}" style="width:${px}px;image-rendering:pixelated;display:block">${caption}</div>`;
  });
  return `<div class="see-image-grid" style="display:grid;grid-template-columns:repeat(${columns},${px + 8}px);gap:4px">${cells.join('')}</div>`;
}

/** Shows an image grid in the notebook; prints a one-line summary elsewhere. */
export function showImages(images: GridImage[], columns = 8, px = 64): void {
  displayHtml(imageGridHtml(images, columns, px), `[${images.length} image(s)]`);
}

/** PNGs of a normalised batch [B, H, W, 3]: pixel = (value * std + mean) * 255, clipped. */
export async function batchToPngs(images: tf.Tensor4D, mean: [number, number, number], std: [number, number, number]): Promise<Buffer[]> {
  const [b, h, w, c] = images.shape;
  if (c !== 3) throw new Error(`batchToPngs: expected [B, H, W, 3] images, got [${images.shape.join(', ')}]`);
  const bytes = tf.tidy(
    () =>
      tf
        .clipByValue(tf.add(tf.mul(images, tf.tensor1d(std)), tf.tensor1d(mean)).mul(255), 0, 255)
        .round()
        .toInt(), // [B, H, W, 3]
  );
  const data = Uint8Array.from(await bytes.data());
  bytes.dispose();
  const out: Buffer[] = [];
  for (let i = 0; i < b; i++) {
    const raw = Buffer.from(data.subarray(i * h * w * 3, (i + 1) * h * w * 3));
    out.push(
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }
  return out;
}
