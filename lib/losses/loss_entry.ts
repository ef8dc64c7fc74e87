/**
 * What the loss registry (./registry.ts) knows of a loss: its name in the paper, the options it
 * takes (each default with its source, lib/options.ts) and a factory. Each loss file exports its
 * entry next to its class.
 */
import type { EmbeddingGeometry } from '../hyperbolic/poincare';
import type { OptionSchema, ValuesOf } from '../options';
import type { MetricLoss } from '../types';

/** What a factory gets besides the options: the run's shapes and seed. */
export interface LossContext {
  /** training classes (= proxies of a proxy loss) */
  numClasses: number;
  embeddingDim: number;
  /** seed of the loss's own initialisation and draws */
  seed: number;
  /** images per class in a batch (the sampler's m; a loss over views checks its batches against it) */
  mPerClass?: number;
  /** where the model's head puts the embeddings (default: the unit sphere) */
  geometry?: EmbeddingGeometry;
}

export interface LossEntry<S extends OptionSchema = OptionSchema> {
  /** e.g. "Multi-Similarity" */
  title: string;
  /** the paper and the official code the loss follows */
  reference: string;
  /** the method's name in the SEE paper's table, when the table has rows for it (e.g. "MS") */
  paperMethod?: string;
  options: S;
  /** a new loss; `options` are complete and checked */
  create(context: LossContext, options: ValuesOf<S>): MetricLoss;
}

/** Types an entry's factory by its own schema; the registry holds it as a plain LossEntry. */
export function lossEntry<S extends OptionSchema>(entry: LossEntry<S>): LossEntry {
  return entry as unknown as LossEntry;
}
