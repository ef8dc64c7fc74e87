/**
 * Training batches and evaluation embeddings from a features cache. Batches come from the same
 * m-per-class sampler as image batches (so a run on features sees the same classes in the same
 * batches as one on images); with augmented views, each image's view is drawn per epoch with the
 * key the loader would draw its augmentation with (epoch seed, epoch, batch, position).
 * Evaluation embeds the cached evaluation-transform features through the model's head.
 */
import { UniqueClassSampler } from '../data/sampler';
import type { Sample } from '../data/split';
import { keyedRandom } from '../random';
import { tf } from '../tf';
import type { Batch, BatchSource } from '../train/contracts';
import { assertFiniteEmbeddings, type SampleEmbedder } from '../train/dataset_evaluator';
import type { FeatureCache } from './cache';

/** Rows of `samples` in the cache; a sample the cache does not hold is an error naming it. */
function rowsIn(cache: FeatureCache, samples: readonly Sample[]): number[] {
  return samples.map((s) => {
    const row = cache.rowOf.get(s.path);
    if (row === undefined) throw new Error(`features cache ${cache.dir} has no features of ${s.path}; rebuild it (see-kit features)`);
    return row;
  });
}

export interface FeatureSourceOptions {
  cache: FeatureCache;
  samples: Sample[];
  batchSize: number;
  mPerClass: number;
  samplerSeed?: number;
}

export function featureBatchSource(o: FeatureSourceOptions): BatchSource {
  const { cache } = o;
  const f = cache.featureDim;
  const rows = rowsIn(cache, o.samples);
  const sampler = new UniqueClassSampler({
    labels: o.samples.map((s) => s.label),
    batchSize: o.batchSize,
    mPerClass: o.mPerClass,
    seed: o.samplerSeed ?? 0,
  });
  const views = cache.viewFeatures && cache.views > 0 ? { data: cache.viewFeatures, n: cache.views } : undefined;
  return {
    itersPerEpoch: sampler.batchesPerEpoch(),
    *epoch(epoch: number, seed: number, fromStep = 0): Iterable<Batch> {
      const batches = sampler.epoch(epoch);
      for (let b = fromStep; b < batches.length; b++) {
        const idx = batches[b];
        const x = new Float32Array(idx.length * f);
        const labels = new Int32Array(idx.length);
        idx.forEach((i, k) => {
          const row = rows[i];
          const offset = views ? (row * views.n + keyedRandom(seed, epoch, b, k).int(0, views.n)) * f : row * f;
          x.set((views ? views.data : cache.evalFeatures).subarray(offset, offset + f), k * f);
          labels[k] = o.samples[i].label;
        });
        yield { images: tf.tensor4d(x, [idx.length, 1, 1, f]), labels: tf.tensor1d(labels, 'int32') }; // [B, 1, 1, F], [B]
      }
    },
  };
}

/** Embeds samples by their cached evaluation-transform features, `batchSize` at a time. */
export function featureEmbedder(cache: FeatureCache, batchSize = 500): SampleEmbedder {
  const f = cache.featureDim;
  return async (model, samples) => {
    const rows = rowsIn(cache, samples);
    const dim = model.embeddingDim;
    const embeddings = new Float32Array(samples.length * dim);
    for (let start = 0; start < samples.length; start += batchSize) {
      const part = rows.slice(start, start + batchSize);
      const x = new Float32Array(part.length * f);
      part.forEach((row, k) => x.set(cache.evalFeatures.subarray(row * f, (row + 1) * f), k * f));
      const z = tf.tidy(() => model.embed(tf.tensor4d(x, [part.length, 1, 1, f]), false)); // [b, D]
      try {
        const values = (await z.data()) as Float32Array;
        assertFiniteEmbeddings(
          values,
          dim,
          samples,
          part.map((_, k) => start + k),
        );
        embeddings.set(values, start * dim);
      } finally {
        z.dispose();
      }
    }
    return { embeddings, labels: Int32Array.from(samples, (s) => s.label), dim };
  };
}
