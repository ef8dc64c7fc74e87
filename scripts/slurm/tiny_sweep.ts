/**
 * For scripts/slurm/ci.sh: tiny glyphs (8 classes, 32 px) under <folder>/data and <folder>/sweep.json,
 * a sweep of 4 runs (Proxy-Anchor and SEE x seeds 0 and 1) of the tiny test ResNet, 3 epochs of 3 steps.
 * Usage: node --import tsx scripts/slurm/tiny_sweep.ts <folder>
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GLYPH_FONTS, makeGlyphs } from '../../lib/data/glyphs';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tiny_sweep.ts <folder>');
  const root = resolve(dir);
  await makeGlyphs({ outDir: join(root, 'data', 'glyphs'), numClasses: 8, variants: 2, fonts: GLYPH_FONTS.slice(0, 3), size: 32 });
  const base = {
    name: 'tiny',
    dataset: 'glyphs',
    dataRoot: join(root, 'data'),
    backbone: 'resnet_tiny.test',
    weights: 'none',
    embeddingDim: 8,
    loss: { name: 'see_proxy_anchor', options: { n: 4, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 } },
    imageSize: 32,
    evalKs: [1, 2, 4],
    evalMetrics: ['recall', 'mapAtR'],
    train: { epochs: 3, globalBatch: 8, lr: 0.01, warmupEpochs: 0, evalFreq: 1, proxyLrScale: 10 },
  };
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
