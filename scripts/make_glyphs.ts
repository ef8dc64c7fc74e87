/**
 * Builds the glyphs mini benchmark into data/glyphs (or the folder given as the first argument):
 * 400 character classes x 21 DejaVu fonts x 2 seeded distortions, 64x64 RGB PNG, CUB layout.
 * Deterministic: the same bytes on every run. See data/glyphs/README.md.
 */
import { join } from 'node:path';
import { makeGlyphs } from '../lib/data/glyphs';

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? join(__dirname, '..', 'data', 'glyphs');
  const t0 = Date.now();
  const s = await makeGlyphs({ outDir });
  console.log(
    `glyphs: ${s.classes.length} classes x ${s.fonts.length} fonts -> ${s.images} images in ${outDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
