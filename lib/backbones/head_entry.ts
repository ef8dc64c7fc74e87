/**
 * What the head registry (./heads.ts) knows of an embedding head: the options it takes (each
 * default with its source, lib/options.ts) and a factory. A head turns the backbone's pooled
 * features into the embeddings the loss sees; each head file exports its entry next to its class.
 */
import type { EmbeddingGeometry } from '../hyperbolic/poincare';
import type { OptionSchema, ValuesOf } from '../options';
import type { tf } from '../tf';

/** An embedding head: features [B, F] -> embeddings [B, E]. Owns its variables. */
export interface Head {
  readonly featureDim: number;
  readonly embeddingDim: number;
  /** where apply() puts the embeddings; absent: the unit sphere */
  readonly geometry?: EmbeddingGeometry;
  apply(features: tf.Tensor2D): tf.Tensor2D;
  /** the variables that train (the official "last_layer" parameter group) */
  variables(): tf.Variable[];
  /** tensors to checkpoint by name; the model saves them as `last_layer.<name>` */
  namedWeights(): Map<string, tf.Tensor>;
  dispose(): void;
}

export interface HeadContext {
  featureDim: number;
  embeddingDim: number;
  /** seed of the head's initialisation */
  seed: number;
}

export interface HeadEntry<S extends OptionSchema = OptionSchema> {
  title: string;
  /** the paper or official code the head follows */
  reference: string;
  options: S;
  create(context: HeadContext, options: ValuesOf<S>): Head;
}

/** Types an entry's factory by its own schema; the registry holds it as a plain HeadEntry. */
export function headEntry<S extends OptionSchema>(entry: HeadEntry<S>): HeadEntry {
  return entry as unknown as HeadEntry;
}
