/**
 * Backbone features of a list of images, computed once for a features cache: the images through
 * the transform (the loader: sharp decode, crop, normalise) and the backbone in evaluation mode,
 * copied out batch by batch into one Float32Array [N, featureDim]. A training transform draws its
 * augmentation with the loader's keys (seed, view, batch, position), so view v of an image is the
 * same on every machine. A NaN or infinite feature is refused, naming the image.
 */
import type { Backbone } from '../backbones/backbone';
import { loadBatches } from '../data/loader';
import { sequentialBatches } from '../data/sampler';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';
import { tf } from '../tf';

export interface ExtractOptions {
  /** images per forward pass (memory, not results: evaluation mode has no batch statistics) */
  batchSize?: number;
  /** augmentation keys of a training transform: view number and seed */
  view?: number;
  seed?: number;
  /** called after each batch with the images done so far */
  onBatch?: (done: number) => void;
}

/** Features [samples.length * featureDim] of `samples` through `spec` and the backbone. */
export async function extractFeatures(
  backbone: Backbone,
  samples: readonly Sample[],
  spec: TransformSpec,
  o: ExtractOptions = {},
): Promise<Float32Array> {
  const dim = backbone.featureDim;
  const out = new Float32Array(samples.length * dim);
  let done = 0;
  const batches = sequentialBatches(samples.length, o.batchSize ?? 32);
  for await (const b of loadBatches({ samples: [...samples], batches, spec, seed: o.seed ?? 0, epoch: o.view ?? 0 })) {
    try {
      const f = backbone.features(b.images, false); // [B, F]
      try {
        const values = (await f.data()) as Float32Array;
        const bad = values.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          throw new Error(
            `features refused: the backbone ${backbone.entry.name} gives ${values[bad]} for ${samples[b.indices[Math.floor(bad / dim)]].path}; check the weights file`,
          );
        }
        out.set(values, b.indices[0] * dim);
      } finally {
        f.dispose();
      }
    } finally {
      tf.dispose([b.images, b.labels]);
    }
    done += b.indices.length;
    o.onBatch?.(done);
  }
  return out;
}
