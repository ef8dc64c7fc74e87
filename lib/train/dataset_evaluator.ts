/**
 * Evaluator over a real dataset split: embeds the images with the model in eval mode (the
 * official eval transform, batches of `batchSize`), copies the embeddings out batch by batch,
 * and scores them with lib/eval's `evaluate` (Recall@K, and MAP@R / NMI on request).
 * One labelled set (CUB, Cars, SOP: query = gallery, self excluded) or query/gallery (In-Shop).
 */
import { tf } from '../tf';
import type { EmbeddingModel } from '../types';
import { loadBatches } from '../data/loader';
import { sequentialBatches } from '../data/sampler';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';
import { evaluate, type Metric } from '../eval';
import type { EvalMetrics, Evaluator } from './contracts';
import { parallelEmbedder } from './parallel/stepper';

export interface DatasetEvaluatorOptions {
  /** one labelled set, or query and gallery */
  samples?: Sample[];
  query?: Sample[];
  gallery?: Sample[];
  spec: TransformSpec;
  ks: number[];
  metrics?: Metric[];
  /** official eval batch 500 */
  batchSize?: number;
  /** official In-Shop quirk (see-configs.md 9) */
  officialInshopMask?: boolean;
  /** k-means seed for NMI */
  seed?: number;
}

/** Embeddings of `samples` as one Float32Array [N * D], in order. */
export async function embedSamples(model: EmbeddingModel, samples: Sample[], spec: TransformSpec, batchSize = 500): Promise<{ embeddings: Float32Array; labels: Int32Array; dim: number }> {
  const dim = model.embeddingDim;
  const embeddings = new Float32Array(samples.length * dim);
  const labels = Int32Array.from(samples, (s) => s.label);
  let offset = 0;
  const onWorkers = parallelEmbedder(model); // while a data-parallel training runs (SEE_WORKERS)
  for await (const b of loadBatches({ samples, batches: sequentialBatches(samples.length, batchSize), spec })) {
    try {
      if (onWorkers) {
        embeddings.set(await onWorkers(b.images), offset);
      } else {
        const z = model.embed(b.images, false); // [B, D]
        try {
          embeddings.set(await z.data() as Float32Array, offset);
        } finally {
          z.dispose();
        }
      }
      offset += b.indices.length * dim;
    } finally {
      tf.dispose([b.images, b.labels]);
    }
  }
  return { embeddings, labels, dim };
}

export function datasetEvaluator(o: DatasetEvaluatorOptions): Evaluator {
  const metrics = o.metrics ?? ['recall'];
  return async (model): Promise<EvalMetrics> => {
    const options = { ks: o.ks, metrics, onProgress: false as const, officialInshopMask: o.officialInshopMask, kmeans: o.seed === undefined ? undefined : { seed: o.seed } };
    let result;
    if (o.query && o.gallery) {
      const [query, gallery] = [await embedSamples(model, o.query, o.spec, o.batchSize), await embedSamples(model, o.gallery, o.spec, o.batchSize)];
      result = await evaluate({ query, gallery }, { name: 'query-gallery', ks: o.ks, metrics, queryGallery: true }, options);
    } else if (o.samples) {
      const set = await embedSamples(model, o.samples, o.spec, o.batchSize);
      result = await evaluate(set, { name: 'labelled-set', ks: o.ks, metrics, queryGallery: false }, options);
    } else {
      throw new Error('datasetEvaluator: give either samples, or query and gallery');
    }
    const out: EvalMetrics = { recallAtK: Object.fromEntries((result.recall ?? []).map((r) => [String(r.k), r.recall])) };
    if (result.mapAtR !== undefined) out.mapAtR = result.mapAtR;
    if (result.nmi !== undefined) out.nmi = result.nmi;
    return out;
  };
}
