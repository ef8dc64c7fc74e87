/**
 * BatchSource over a real dataset: lib/data's UniqueClassSampler (official m-per-class sampling)
 * and its prefetching loader (sharp decode + the official train transform). The loop's per-epoch
 * seed keys the augmentation, the sampler keys class draws by (sampler seed, batch, epoch).
 */
import { loadBatches } from '../data/loader';
import { UniqueClassSampler } from '../data/sampler';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';
import type { Batch, BatchSource } from './contracts';

export interface DatasetSourceOptions {
  samples: Sample[];
  /** global batch (official 180) */
  batchSize: number;
  /** images per class (official IPC 2) */
  mPerClass: number;
  spec: TransformSpec;
  /** sampler seed (the official sampler ignores --seed; 0 keeps that) */
  samplerSeed?: number;
  prefetch?: number;
}

export function datasetBatchSource(o: DatasetSourceOptions): BatchSource {
  const sampler = new UniqueClassSampler({
    labels: o.samples.map((s) => s.label),
    batchSize: o.batchSize,
    mPerClass: o.mPerClass,
    seed: o.samplerSeed ?? 0,
  });
  return {
    itersPerEpoch: sampler.batchesPerEpoch(),
    async *epoch(epoch: number, seed: number, fromStep = 0): AsyncIterable<Batch> {
      const batches = sampler.epoch(epoch);
      for await (const b of loadBatches({ samples: o.samples, batches, spec: o.spec, seed, epoch, prefetch: o.prefetch, firstBatch: fromStep })) {
        yield { images: b.images, labels: b.labels };
      }
    },
  };
}
