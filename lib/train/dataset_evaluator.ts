/**
 * Evaluator over a real dataset split: embeds the images with the model in eval mode (the
 * official eval transform, batches of `batchSize`), copies the embeddings out batch by batch,
 * and scores them with lib/eval's `evaluate` (Recall@K, and MAP@R / NMI on request), ranked in the
 * model's geometry (cosine on the sphere, Poincare distance on the ball); on request also the
 * backbone's L2-normalised features by cosine ("body" recall, as hyp_metric's evaluate).
 * One labelled set (CUB, Cars, SOP: query = gallery, self excluded) or query/gallery (In-Shop).
 */
import { tf } from '../tf';
import type { EmbeddingModel } from '../types';
import { loadBatches } from '../data/loader';
import { sequentialBatches } from '../data/sampler';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';
import { evaluate, type EmbeddingSet, type EvalResult, type Metric } from '../eval';
import { SPHERE } from '../hyperbolic/poincare';
import { checkKs } from '../eval/evaluate';
import type { EvalMetrics, Evaluator } from './contracts';
import { parallelEmbedder } from './parallel/stepper';
import { pausePoint } from './pause_points';

/** Embeddings of samples, in order: [N * dim] values and their labels. */
export interface EmbeddedSamples {
  embeddings: Float32Array;
  labels: Int32Array;
  dim: number;
  /** the backbone's features [N * F], when asked for (eval.bodyRecall) */
  features?: { values: Float32Array; dim: number };
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
  /** also Recall@K of the backbone's L2-normalised features (hyp_metric's "body" recall, EvalMetrics.bodyRecallAtK) */
  bodyRecall?: boolean;
}

/** Refuses a NaN or infinite value, naming the image it belongs to. */
function assertFinite(values: Float32Array, dim: number, indices: readonly number[], samples: Sample[], what: string): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const row = indices[Math.floor(bad / dim)];
  throw new Error(
    `evaluation refused: the ${what} of ${samples[row].path} (item ${row}) contains ${values[bad]}; the model produces non-finite ${what}s, so no metric is computed`,
  );
}

/** Refuses a batch of embeddings holding NaN or infinity, naming the image (row i of `values` is item rows[i] of `samples`). */
export function assertFiniteEmbeddings(values: Float32Array, dim: number, samples: Sample[], rows: readonly number[]): void {
  assertFinite(values, dim, rows, samples, 'embedding');
}

/**
 * Embeddings of `samples` as one Float32Array [N * D], in order; a NaN or infinite one is refused,
 * naming its image. With `withFeatures`, the backbone's features [N * F] from the same forward pass too.
 */
export async function embedSamples(
  model: EmbeddingModel,
  samples: Sample[],
  spec: TransformSpec,
  batchSize = 500,
  withFeatures = false,
): Promise<EmbeddedSamples> {
  if (withFeatures && !model.embedWithFeatures)
    throw new Error('evaluation: eval.bodyRecall needs a model that gives its backbone features (embedWithFeatures)');
  const dim = model.embeddingDim;
  const embeddings = new Float32Array(samples.length * dim);
  const labels = Int32Array.from(samples, (s) => s.label);
  const featureRows: Float32Array[] = [];
  let featureDim = 0;
  let offset = 0;
  // while a data-parallel training runs (SEE_WORKERS) its workers embed; backbone features come from this thread
  const onWorkers = withFeatures ? undefined : parallelEmbedder(model);
  for await (const b of loadBatches({ samples, batches: sequentialBatches(samples.length, batchSize), spec })) {
    try {
      if (onWorkers) {
        const values = await onWorkers(b.images); // [B * D]
        assertFinite(values, dim, b.indices, samples, 'embedding');
        embeddings.set(values, offset);
        offset += b.indices.length * dim;
        continue;
      }
      const out: { embeddings: tf.Tensor2D; features?: tf.Tensor2D } = withFeatures
        ? model.embedWithFeatures!(b.images, false)
        : { embeddings: model.embed(b.images, false) }; // [B, D], [B, F]
      try {
        const values = (await out.embeddings.data()) as Float32Array;
        assertFinite(values, dim, b.indices, samples, 'embedding');
        embeddings.set(values, offset);
        if (out.features) {
          featureDim = out.features.shape[1];
          const f = (await out.features.data()) as Float32Array;
          assertFinite(f, featureDim, b.indices, samples, 'backbone feature');
          featureRows.push(f);
        }
      } finally {
        tf.dispose([out.embeddings, ...(out.features ? [out.features] : [])]);
      }
      offset += b.indices.length * dim;
    } finally {
      tf.dispose([b.images, b.labels]);
    }
  }
  if (!withFeatures) return { embeddings, labels, dim };
  const values = new Float32Array(samples.length * featureDim);
  featureRows.reduce((at, rows) => {
    values.set(rows, at);
    return at + rows.length;
  }, 0);
  return { embeddings, labels, dim, features: { values, dim: featureDim } };
}

/** Checks K against the split's size when built, so a run fails before training rather than at its first evaluation. */
export function datasetEvaluator(o: DatasetEvaluatorOptions): Evaluator {
  const metrics = o.metrics ?? ['recall'];
  if (metrics.includes('recall')) {
    const references = o.gallery ? o.gallery.length : (o.samples?.length ?? 0) - 1;
    checkKs(
      o.ks,
      references,
      `evaluation K values [${o.ks.join(', ')}] on ${o.gallery ? `a gallery of ${references} images` : `${references + 1} images (each query ranked against the other ${references})`}`,
    );
  }
  // R-Precision comes from the same neighbour counts as MAP@R: computed whenever MAP@R is
  const scored: Metric[] = metrics.includes('mapAtR') && !metrics.includes('rPrecision') ? [...metrics, 'rPrecision'] : metrics;
  if (o.embed && o.bodyRecall)
    throw new Error(
      'evaluation: eval.bodyRecall needs the backbone run on the images; a run on cached features (frozen_backbone) cannot give it',
    );
  const embed: SampleEmbedder = o.embed ?? ((model, samples) => embedSamples(model, samples, o.spec, o.batchSize, o.bodyRecall === true));
  return async (model): Promise<EvalMetrics> => {
    const geometry = model.geometry ?? SPHERE;
    const options = {
      ks: o.ks,
      metrics: scored,
      onProgress: false as const,
      officialInshopMask: o.officialInshopMask,
      kmeans: o.seed === undefined ? undefined : { seed: o.seed },
    };
    const body = o.bodyRecall === true;
    const bodySet = (set: { labels: Int32Array; features?: { values: Float32Array; dim: number } }): EmbeddingSet => ({
      embeddings: set.features!.values,
      labels: set.labels,
      dim: set.features!.dim,
    });
    const bodyOptions = {
      ks: o.ks,
      metrics: ['recall' as const],
      onProgress: false as const,
      officialInshopMask: o.officialInshopMask,
      normalize: 'always' as const,
    };
    let result: EvalResult;
    let bodyResult: EvalResult | undefined;
    if (o.query && o.gallery) {
      const [query, gallery] = [await embed(model, o.query), await embed(model, o.gallery)];
      pausePoint('evaluate');
      const protocol = { name: 'query-gallery', ks: o.ks, metrics: scored, queryGallery: true };
      result = await evaluate({ query, gallery }, protocol, { ...options, geometry });
      if (body)
        bodyResult = await evaluate(
          { query: bodySet(query), gallery: bodySet(gallery) },
          { ...protocol, metrics: ['recall'] },
          bodyOptions,
        );
    } else if (o.samples) {
      const set = await embed(model, o.samples);
      pausePoint('evaluate');
      const protocol = { name: 'labelled-set', ks: o.ks, metrics: scored, queryGallery: false };
      result = await evaluate(set, protocol, { ...options, geometry });
      if (body) bodyResult = await evaluate(bodySet(set), { ...protocol, metrics: ['recall'] }, bodyOptions);
    } else {
      throw new Error('datasetEvaluator: give either samples, or query and gallery');
    }
    const recallOf = (r: EvalResult): Record<string, number> => Object.fromEntries((r.recall ?? []).map((x) => [String(x.k), x.recall]));
    const out: EvalMetrics = { recallAtK: recallOf(result) };
    if (result.mapAtR !== undefined) out.mapAtR = result.mapAtR;
    if (result.rPrecision !== undefined) out.rPrecision = result.rPrecision;
    if (result.nmi !== undefined) out.nmi = result.nmi;
    if (bodyResult) out.bodyRecallAtK = recallOf(bodyResult);
    return out;
  };
}
