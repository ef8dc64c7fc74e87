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
import { checkKs } from '../eval/evaluate';
import type { EvalMetrics, Evaluator } from './contracts';
import { pausePoint } from './pause_points';

/** Embeddings of samples, in order: [N * dim] values and their labels. */
export interface EmbeddedSamples {
  embeddings: Float32Array;
  labels: Int32Array;
  dim: number;
}

/** How an evaluator embeds a list of samples with a model (default: their images, embedSamples). */
export type SampleEmbedder = (model: EmbeddingModel, samples: Sample[]) => Promise<EmbeddedSamples>;

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
  /** official In-Shop quirk (docs/official-recipe.md 9) */
  officialInshopMask?: boolean;
  /** k-means seed for NMI */
  seed?: number;
  /** replaces embedding the images (e.g. cached backbone features through the head) */
  embed?: SampleEmbedder;
}

/** Refuses a batch of embeddings holding NaN or infinity, naming the image (row i of `values` is item rows[i] of `samples`). */
export function assertFiniteEmbeddings(values: Float32Array, dim: number, samples: Sample[], rows: readonly number[]): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const row = rows[Math.floor(bad / dim)];
  throw new Error(`evaluation refused: the embedding of ${samples[row].path} (item ${row}) contains ${values[bad]}; the model produces non-finite embeddings, so no metric is computed`);
}

/** Embeddings of `samples` as one Float32Array [N * D], in order; a NaN or infinite one is refused, naming its image. */
export async function embedSamples(model: EmbeddingModel, samples: Sample[], spec: TransformSpec, batchSize = 500): Promise<EmbeddedSamples> {
  const dim = model.embeddingDim;
  const embeddings = new Float32Array(samples.length * dim);
  const labels = Int32Array.from(samples, (s) => s.label);
  let offset = 0;
  for await (const b of loadBatches({ samples, batches: sequentialBatches(samples.length, batchSize), spec })) {
    try {
      const z = model.embed(b.images, false); // [B, D]
      try {
        const values = await z.data() as Float32Array;
        assertFiniteEmbeddings(values, dim, samples, b.indices);
        embeddings.set(values, offset);
      } finally {
        z.dispose();
      }
      offset += b.indices.length * dim;
    } finally {
      tf.dispose([b.images, b.labels]);
    }
  }
  return { embeddings, labels, dim };
}

/** Checks K against the split's size when built, so a run fails before training rather than at its first evaluation. */
export function datasetEvaluator(o: DatasetEvaluatorOptions): Evaluator {
  const metrics = o.metrics ?? ['recall'];
  if (metrics.includes('recall')) {
    const references = o.gallery ? o.gallery.length : (o.samples?.length ?? 0) - 1;
    checkKs(o.ks, references, `evaluation K values [${o.ks.join(', ')}] on ${o.gallery ? `a gallery of ${references} images` : `${references + 1} images (each query ranked against the other ${references})`}`);
  }
  const embed: SampleEmbedder = o.embed ?? ((model, samples) => embedSamples(model, samples, o.spec, o.batchSize));
  return async (model): Promise<EvalMetrics> => {
    const options = { ks: o.ks, metrics, onProgress: false as const, officialInshopMask: o.officialInshopMask, kmeans: o.seed === undefined ? undefined : { seed: o.seed } };
    let result;
    if (o.query && o.gallery) {
      const [query, gallery] = [await embed(model, o.query), await embed(model, o.gallery)];
      pausePoint('evaluate');
      result = await evaluate({ query, gallery }, { name: 'query-gallery', ks: o.ks, metrics, queryGallery: true }, options);
    } else if (o.samples) {
      const set = await embed(model, o.samples);
      pausePoint('evaluate');
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
