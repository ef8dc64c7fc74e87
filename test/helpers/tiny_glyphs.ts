/**
 * The tiny glyph benchmark and run specification that the CLI, bad-input and sweep tests (and
 * scripts/slurm/tiny_sweep.ts) train on: 8 classes x 3 fonts x 2 variants at 32 px (train classes
 * 0-3, 24 images: 3 steps of batch 8 an epoch; test classes 4-7), the tiny test ResNet with SEE.
 */
import { join } from 'node:path';
import { GLYPH_FONTS, makeGlyphs } from '../../lib/data/glyphs';

/** Builds the tiny glyphs into `<dataRoot>/glyphs`. */
export async function makeTinyGlyphs(dataRoot: string): Promise<void> {
  await makeGlyphs({ outDir: join(dataRoot, 'glyphs'), numClasses: 8, variants: 2, fonts: GLYPH_FONTS.slice(0, 3), size: 32 });
}

/** A run specification (as a config file holds it) training the tiny test ResNet with SEE on the tiny glyphs of `dataRoot`. */
export function tinyGlyphSpec(dataRoot: string, name: string, epochs: number, evalMetrics: string[]): Record<string, unknown> {
  return {
    name,
    dataset: 'glyphs',
    dataRoot,
    backbone: 'resnet_tiny.test',
    weights: 'none',
    embeddingDim: 8,
    loss: { name: 'see_proxy_anchor', options: { n: 4, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 } },
    imageSize: 32,
    evalKs: [1, 2, 4],
    evalMetrics,
    train: { epochs, globalBatch: 8, lr: 0.01, warmupEpochs: 0, evalFreq: 1, proxyLrScale: 10 },
  };
}
