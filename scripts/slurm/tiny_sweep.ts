/**
 * For scripts/slurm/ci.sh: tiny glyphs (8 classes, 32 px) under <folder>/data and <folder>/sweep.json,
 * a sweep of 4 runs (Proxy-Anchor and SEE x seeds 0 and 1) of the tiny test ResNet, 12 epochs of 3 steps:
 * long enough (about 10 s a run here) that ci.sh's signals reach a run while it trains (at 3 epochs a
 * run took about 3 s once the kit had its own matrix product, and finished before `scontrol requeue`).
 * Usage: node --import tsx scripts/slurm/tiny_sweep.ts <folder>
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTinyGlyphs, tinyGlyphSpec } from '../../test/helpers/tiny_glyphs';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tiny_sweep.ts <folder>');
  const root = resolve(dir);
  await makeTinyGlyphs(join(root, 'data'));
  const base = tinyGlyphSpec(join(root, 'data'), 'tiny', 12, ['recall', 'mapAtR']);
  const sweep = {
    name: 'slurm-ci',
    base,
    variants: [{ name: 'PA', set: ['loss.name=proxy_anchor'] }, { name: 'SEE' }],
    seeds: [0, 1],
    compare: [['SEE', 'PA']],
  };
  writeFileSync(join(root, 'sweep.json'), JSON.stringify(sweep, null, 2) + '\n');
  console.log(`tiny glyphs and ${join(root, 'sweep.json')} (4 runs) written`);
}

main().catch((e: Error) => {
  console.error(`tiny_sweep.ts: ${e.message}`);
  process.exit(1);
});
