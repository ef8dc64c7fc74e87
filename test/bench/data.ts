/**
 * Data pipeline throughput: images per second for read + decode + augment + batch assembly
 * (NHWC float32 tensor + int32 labels), on CUB-like 500x375 JPEGs made with sharp in a temp dir,
 * at 224 (train: RandomResizedCrop + flip; eval: resize 256 + centre crop), and on the glyphs
 * benchmark at 64 (data/glyphs when generated, otherwise a small subset made on the spot).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readFolder } from '../../lib/data/folder';
import { clearDecodedCache } from '../../lib/data/decoded_images';
import { GLYPH_CLASS_SPLIT, glyphImageDir, makeGlyphs } from '../../lib/data/glyphs';
import { loadBatches } from '../../lib/data/loader';
import { UniqueClassSampler, sequentialBatches } from '../../lib/data/sampler';
import type { Sample } from '../../lib/data/split';
import { evalSpec, glyphTrainSpec, trainSpec, type TransformSpec } from '../../lib/data/transforms';
import { tf } from '../../lib/tf';
import type { Benchmark } from './harness';

const N_IMAGES = 320;
const BATCH = 32;

async function cubLike(dir: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < N_IMAGES; i++) {
    const px = Buffer.alloc(500 * 375 * 3);
    for (let p = 0; p < px.length; p++) px[p] = (p * 7 + i * 13 + ((p / 1500) | 0)) & 255;
    const file = join(dir, `${i}.jpg`);
    writeFileSync(
      file,
      await sharp(px, { raw: { width: 500, height: 375, channels: 3 } })
        .blur(1.5)
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    out.push({ path: file, label: i % 40 });
  }
  return out;
}

async function throughput(samples: Sample[], batches: number[][], spec: TransformSpec, prefetch: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const b of loadBatches({ samples, batches, spec, prefetch })) {
    n += b.indices.length;
    tf.dispose([b.images, b.labels]);
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export const benchmark: Benchmark = {
  description:
    'images/s for decode + augment + batch assembly (CUB-like 500x375 JPEG at 224; glyphs at 64; the demo transform at 32, libvips vs Pillow)',
  async run(emit) {
    const dir = mkdtempSync(join(tmpdir(), 'see-bench-data-'));
    try {
      const samples = await cubLike(dir);
      const sampler = new UniqueClassSampler({ labels: samples.map((s) => s.label), batchSize: BATCH, mPerClass: 2 });
      const common = {
        images: N_IMAGES,
        batch: BATCH,
        cores: cpus().length,
        uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
        sharpConcurrency: sharp.concurrency(),
      };
      // warm-up (file cache, sharp's libvips init)
      await throughput(samples, sampler.epoch(99).slice(0, 2), trainSpec('resnet50'), 2);
      // reference: sharp alone (read, decode, fixed crop, bicubic resize to 224, raw RGB), 4 at a time
      {
        const t0 = process.hrtime.bigint();
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < samples.length) {
              await sharp(samples[next++].path)
                .extract({ left: 60, top: 40, width: 320, height: 280 })
                .resize(224, 224, { fit: 'fill', kernel: 'cubic' })
                .raw()
                .toBuffer();
            }
          }),
        );
        const ips = samples.length / (Number(process.hrtime.bigint() - t0) / 1e9);
        emit({ case: 'sharp_only_crop_resize_224', imagesPerSecond: +ips.toFixed(1), ...common });
      }
      for (const prefetch of [1, 2, 4]) {
        const ips = await throughput(samples, sampler.epoch(0), trainSpec('resnet50'), prefetch);
        emit({ case: 'cub_like_train_224', prefetch, imagesPerSecond: +ips.toFixed(1), ...common });
      }
      const ipsEval = await throughput(samples, sequentialBatches(samples.length, BATCH), evalSpec(224), 2);
      emit({ case: 'cub_like_eval_224', prefetch: 2, imagesPerSecond: +ipsEval.toFixed(1), ...common });

      let root = join('data', 'glyphs');
      let numClasses = 400;
      if (!existsSync(glyphImageDir(root))) {
        root = join(dir, 'glyphs');
        mkdirSync(root);
        numClasses = 40;
        await makeGlyphs({ outDir: root, numClasses });
      }
      const glyphs = readFolder(glyphImageDir(root), GLYPH_CLASS_SPLIT, 'glyphs');
      const gs = new UniqueClassSampler({ labels: glyphs.train.map((s) => s.label), batchSize: 64, mPerClass: 2 });
      const batches = gs.epoch(0).slice(0, 20);
      const ipsG = await throughput(glyphs.train, batches, trainSpec('resnet50', 64), 2);
      emit({
        case: 'glyphs_train_64',
        prefetch: 2,
        imagesPerSecond: +ipsG.toFixed(1),
        images: batches.length * 64,
        batch: 64,
        source: root === join('data', 'glyphs') ? 'data/glyphs' : `temp subset (${numClasses} classes)`,
      });
      // the demo's transform at 32 px, side by side: sharp for every image (libvips, the reference)
      // against Pillow's resampler on pixels decoded once (the first pass decodes, later ones reuse)
      const demoBatch = Math.min(180, 2 * new Set(glyphs.train.map((s) => s.label)).size); // the demo's 180 when data/glyphs is there
      const demoBatches = new UniqueClassSampler({ labels: glyphs.train.map((s) => s.label), batchSize: demoBatch, mPerClass: 2 })
        .epoch(0)
        .slice(0, 12);
      const demoSpec = glyphTrainSpec(32);
      const demoCases: [string, TransformSpec][] = [
        ['glyphs_demo_32_libvips', { ...demoSpec, resampler: 'libvips' }],
        ['glyphs_demo_32_pillow_first_pass', demoSpec],
        ['glyphs_demo_32_pillow_later_pass', demoSpec],
      ];
      clearDecodedCache();
      for (const [name, spec] of demoCases) {
        const ips = await throughput(glyphs.train, demoBatches, spec, 2);
        emit({
          case: name,
          prefetch: 2,
          imagesPerSecond: +ips.toFixed(1),
          images: demoBatches.length * demoBatch,
          batch: demoBatch,
          resampler: spec.resampler,
        });
      }
      clearDecodedCache();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
