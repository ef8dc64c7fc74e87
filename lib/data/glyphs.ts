/**
 * The `glyphs` mini benchmark: characters rendered offline from the DejaVu TTF fonts of the pinned
 * npm package `dejavu-fonts-ttf`, written as a folder of class folders (<outDir>/CUB_200_2011/images,
 * the CUB layout it was first read in) that the folder dataset reads (./folder.ts) with CUB's class
 * split: the first half of the sorted class folders train, the second half test.
 * Classes = letters/digits covered by every chosen font (checked in each font's cmap, since the
 * renderer would silently fall back to another font), with exact look-alikes (e.g. Latin A and
 * Greek Alpha) removed; instances = fonts x seeded mild distortions (rotation, scale, shift, ink
 * and paper colour). Same files byte for byte on every run: all randomness is keyed by
 * (seed, class, font, variant) and the PNG encoder settings are fixed.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { FolderSpec } from './folder';
import { keyedRandom } from '../random';
import { fontCodePoints } from './ttf_cmap';

export const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
/** font files used (DejaVuMathTeXGyre is left out: it covers too few letters) */
export const GLYPH_FONTS = readdirSync(FONT_DIR).filter((f) => f.endsWith('.ttf') && !f.includes('Math')).sort();

/** The folder of class folders of a glyphs benchmark built into `outDir` (e.g. data/glyphs). */
export function glyphImageDir(outDir: string): string {
  return join(outDir, 'CUB_200_2011', 'images');
}

/** How the folder dataset splits the glyph classes: CUB's rule, one labelled test set. */
export const GLYPH_CLASS_SPLIT: FolderSpec = { trainClasses: 'firstHalf', queryFraction: null };

export interface GlyphOptions {
  /** data root of the benchmark, e.g. data/glyphs (images go to glyphImageDir(outDir)) */
  outDir: string;
  numClasses?: number;
  /** distorted copies per (class, font) */
  variants?: number;
  fonts?: string[];
  size?: number;
  seed?: number;
  /** images rendered at once */
  concurrency?: number;
}

export interface GlyphSummary { classes: { folder: string; char: string }[]; fonts: string[]; images: number }

const RENDER_PT = 48;

/** pango font description from a DejaVu file name, e.g. DejaVuSansCondensed-BoldOblique -> "DejaVu Sans Condensed Bold Oblique" */
export function fontDescription(file: string): string {
  const [fam, style = ''] = file.replace(/\.ttf$/, '').split('-');
  const family = fam.replace(/^DejaVu/, 'DejaVu ').replace(/(Sans|Serif)(Mono|Condensed)?$/, (_, a: string, b?: string) => (b ? `${a} ${b}` : a));
  return `${family} ${style.replace('ExtraLight', 'Ultra-Light').replace(/(Bold)(Oblique|Italic)/, '$1 $2')}`.trim();
}

interface Mask { data: Uint8Array; width: number; height: number }

/** One character rendered as an 8-bit coverage mask (white ink on black) with the font file. */
export async function renderMask(char: string, fontFile: string): Promise<Mask> {
  const { data, info } = await sharp({ text: { text: escapeMarkup(char), font: `${fontDescription(fontFile)} ${RENDER_PT}`, fontfile: join(FONT_DIR, fontFile), dpi: 72 } })
    .extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Places a mask into a size x size RGB image: scaled by the font's line height (so case and
 * x-height differences survive), centred on the ink horizontally, then rotated / scaled /
 * shifted by `jitter`, bilinear sampling; ink and paper colours blended by coverage.
 */
export function compose(mask: Mask, size: number, jitter: { angle: number; scale: number; dx: number; dy: number; ink: number[]; paper: number[] }): Uint8Array {
  const { data, width: mw, height: mh } = mask;
  let x0 = mw, x1 = -1;
  for (let y = 0; y < mh; y++) for (let x = 0; x < mw; x++) if (data[y * mw + x] > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
  const inkW = x1 >= x0 ? x1 - x0 + 1 : mw;
  const cx = x1 >= x0 ? (x0 + x1 + 1) / 2 : mw / 2;
  const cy = mh / 2;
  const s = Math.min((0.8 * size) / mh, (0.85 * size) / inkW) * jitter.scale;
  const cos = Math.cos(jitter.angle), sin = Math.sin(jitter.angle);
  const [p0, p1, p2] = jitter.paper;
  const [i0, i1, i2] = jitter.ink;
  // mask value at (i, j), 0 outside
  const at = (i: number, j: number): number => (i < 0 || j < 0 || i >= mw || j >= mh ? 0 : data[j * mw + i]);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x + 0.5 - size / 2 - jitter.dx;
      const w = y + 0.5 - size / 2 - jitter.dy;
      const mx = (cos * u + sin * w) / s + cx - 0.5;
      const my = (-sin * u + cos * w) / s + cy - 0.5;
      // bilinear sampling of the mask
      const xf = Math.floor(mx), yf = Math.floor(my);
      const fx = mx - xf, fy = my - yf;
      const a = ((at(xf, yf) * (1 - fx) + at(xf + 1, yf) * fx) * (1 - fy) + (at(xf, yf + 1) * (1 - fx) + at(xf + 1, yf + 1) * fx) * fy) / 255;
      const o = (y * size + x) * 3;
      out[o] = Math.round(p0 * (1 - a) + i0 * a);
      out[o + 1] = Math.round(p1 * (1 - a) + i1 * a);
      out[o + 2] = Math.round(p2 * (1 - a) + i2 * a);
    }
  }
  return out;
}

/** Characters every font covers (letters and digits), in a seeded order, exact look-alikes removed. */
export async function chooseCharacters(fonts: string[], numClasses: number, seed: number, size: number): Promise<string[]> {
  let common: number[] | null = null;
  for (const f of fonts) {
    const cps = fontCodePoints(readFileSync(join(FONT_DIR, f)), f);
    common = (common ?? [...cps].sort((a, b) => a - b)).filter((c) => cps.has(c));
  }
  const candidates = (common ?? []).filter((c) => /^[\p{L}\p{Nd}]$/u.test(String.fromCodePoint(c)));
  const rng = keyedRandom(seed, 1);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const seen = new Map<string, number>();
  const chosen: string[] = [];
  const plain = { angle: 0, scale: 1, dx: 0, dy: 0, ink: [255, 255, 255], paper: [0, 0, 0] };
  for (const cp of candidates) {
    if (chosen.length === numClasses) break;
    const ch = String.fromCodePoint(cp);
    // look-alike check on the first two fonts (e.g. Latin A / Greek Alpha / Cyrillic A are one shape)
    const key = (await Promise.all(fonts.slice(0, 2).map(async (f) => Buffer.from(compose(await renderMask(ch, f), size, plain)).toString('base64')))).join('|');
    if (seen.has(key)) continue;
    seen.set(key, cp);
    chosen.push(ch);
  }
  if (chosen.length < numClasses) throw new Error(`glyphs: only ${chosen.length} distinct characters are covered by all ${fonts.length} fonts, ${numClasses} asked`);
  return chosen;
}

/** Class folder name in the CUB style: NNN.U+XXXX */
export function glyphFolder(index: number, char: string): string {
  return `${String(index + 1).padStart(3, '0')}.U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Generates the benchmark into `<outDir>/CUB_200_2011/images` (replaced atomically) and a manifest. */
export async function makeGlyphs(options: GlyphOptions): Promise<GlyphSummary> {
  const { outDir, numClasses = 400, variants = 2, fonts = GLYPH_FONTS, size = 64, seed = 0, concurrency = 4 } = options;
  const chars = await chooseCharacters(fonts, numClasses, seed, size);
  const tmp = join(outDir, `.CUB_200_2011.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const jobs: (() => Promise<void>)[] = [];
  const classes = chars.map((char, i) => ({ folder: glyphFolder(i, char), char }));
  for (const [ci, { folder, char }] of classes.entries()) {
    const dir = join(tmp, 'images', folder);
    mkdirSync(dir, { recursive: true });
    fonts.forEach((font, fi) => jobs.push(async () => {
      const mask = await renderMask(char, font);
      for (let v = 0; v < variants; v++) {
        const rng = keyedRandom(seed, 2, ci, fi, v);
        const paper = 200 + rng.int(0, 56);
        const jitter = {
          angle: (rng.uniform(-10, 10) * Math.PI) / 180, scale: rng.uniform(0.8, 1.0),
          dx: rng.uniform(-0.06, 0.06) * size, dy: rng.uniform(-0.06, 0.06) * size,
          ink: [rng.int(0, 90), rng.int(0, 90), rng.int(0, 90)], paper: [paper, paper - rng.int(0, 30), paper - rng.int(0, 30)],
        };
        const png = await sharp(Buffer.from(compose(mask, size, jitter)), { raw: { width: size, height: size, channels: 3 } })
          .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
        writeFileSync(join(dir, `${font.replace(/\.ttf$/, '')}_${v}.png`), png);
      }
    }));
  }
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) await jobs[next++]();
  }));
  const final = join(outDir, 'CUB_200_2011');
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  const summary: GlyphSummary = { classes, fonts, images: classes.length * fonts.length * variants };
  writeFileSync(join(outDir, 'manifest.json.tmp'), JSON.stringify({ size, seed, variants, ...summary }, null, 1));
  renameSync(join(outDir, 'manifest.json.tmp'), join(outDir, 'manifest.json'));
  return summary;
}
