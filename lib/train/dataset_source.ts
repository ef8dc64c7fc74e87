/**
 * BatchSource over a real dataset: lib/data's UniqueClassSampler (official m-per-class sampling) or
 * ClassPassSampler (hyp_metric's) and its prefetching loader (sharp decode + the official train transform). The loop's per-epoch
 * seed keys the augmentation, the sampler keys class draws by (sampler seed, batch, epoch).
 */
import { loadBatches } from '../data/loader';
import { ClassPassSampler } from '../data/class_pass_sampler';
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
  /**
   * how batches are drawn: 'unique_class' (default), the official SEE sampler (lib/data/sampler.ts);
   * 'class_pass', hyp_metric's, one pass over the classes per epoch (lib/data/class_pass_sampler.ts)
   */
  sampler?: SamplerName;
  prefetch?: number;
}

/** The batch samplers a run can choose (RunSpec.sampler). */
export const SAMPLERS = ['unique_class', 'class_pass'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export function datasetBatchSource(o: DatasetSourceOptions): BatchSource {
  const options = { labels: o.samples.map((s) => s.label), batchSize: o.batchSize, mPerClass: o.mPerClass, seed: o.samplerSeed ?? 0 };
  const sampler = (o.sampler ?? 'unique_class') === 'class_pass' ? new ClassPassSampler(options) : new UniqueClassSampler(options);
  return {
    itersPerEpoch: sampler.batchesPerEpoch(),
    async *epoch(epoch: number, seed: number, fromStep = 0): AsyncIterable<Batch> {
      const batches = sampler.epoch(epoch);
      for await (const b of loadBatches({
        samples: o.samples,
        batches,
        spec: o.spec,
        seed,
        epoch,
        prefetch: o.prefetch,
        firstBatch: fromStep,
      })) {
        yield { images: b.images, labels: b.labels };
      }
    },
  };
}
