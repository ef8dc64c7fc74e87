/**
 * A sample grid as one PNG (for `see-kit data` and reports, no notebook needed): one row per
 * class, its name on the left (DejaVu Sans from the pinned font package, so the image is the same
 * everywhere), then its images fitted into square cells on white. Any format the loader reads;
 * grey, CMYK and alpha images are drawn as RGB on white.
 */
import { join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { FONT_DIR } from '../data/glyphs';

export interface GridRow {
  /** what the row shows, e.g. "train: 001.Black_footed_Albatross" */
  label: string;
  paths: string[];
}

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
const escapeMarkup = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** PNG bytes of the grid: `cell` px per image, `labelWidth` px for the names, 4 px gaps. */
export async function sampleGridPng(rows: GridRow[], o: { cell?: number; labelWidth?: number } = {}): Promise<Buffer> {
  if (rows.length === 0) throw new Error('sampleGridPng: no rows given');
  const cell = o.cell ?? 72;
  const labelWidth = o.labelWidth ?? 220;
  const gap = 4;
  const columns = Math.max(...rows.map((r) => r.paths.length));
  const width = labelWidth + columns * (cell + gap) + gap;
  const height = rows.length * (cell + gap) + gap;
  const layers: OverlayOptions[] = [];
  for (const [i, row] of rows.entries()) {
    const top = gap + i * (cell + gap);
    const text = await sharp({
      text: {
        text: escapeMarkup(row.label),
        font: 'DejaVu Sans 11',
        fontfile: join(FONT_DIR, 'DejaVuSans.ttf'),
        width: labelWidth - 2 * gap,
        dpi: 72,
        rgba: true,
      },
    })
      .png()
      .toBuffer();
    layers.push({ input: text, left: gap, top });
    for (const [j, path] of row.paths.entries()) {
      const image = await sharp(path)
        .rotate()
        .resize(cell, cell, { fit: 'contain', background: WHITE })
        .flatten({ background: WHITE })
        .toColourspace('srgb')
        .png()
        .toBuffer()
        .catch((err: Error) => {
          throw new Error(`sample grid: ${path} cannot be drawn (${err.message})`);
        });
      layers.push({ input: image, left: labelWidth + j * (cell + gap), top });
    }
  }
  return sharp({ create: { width, height, channels: 3, background: WHITE } })
    .composite(layers)
    .png()
    .toBuffer();
}
