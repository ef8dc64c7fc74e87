/**
 * SEE's HeadSwitch (trainer/models/model.py): backbone body, then the embedding head. Implements
 * the kit's EmbeddingModel; the features before the head stay available through `features`.
 */
import { tf } from '../tf';
import { SPHERE, type EmbeddingGeometry } from '../hyperbolic/poincare';
import type { EmbeddingModel } from '../types';
import { createBackbone, type Backbone, type BackboneOptions } from './backbone';
import type { Head } from './head_entry';
import { createHead } from './heads';

export interface ModelOptions extends BackboneOptions {
  embeddingDim: number;
  /** the head by registry name (lib/backbones/heads.ts); default SEE's normalized_linear */
  head?: { name: string; options?: Readonly<Record<string, unknown>> };
  /** a .safetensors file to load strictly; 'pretrained' = the entry's file in data/weights/ */
  weights?: string;
}

/**
 * How to build the same network again (without its weights): what a worker thread of the
 * data-parallel step (lib/train/parallel) builds before it receives the weights.
 */
export interface ModelRecipe {
  backbone: string;
  options: Omit<ModelOptions, 'weights'>;
}

export class BackboneEmbeddingModel implements EmbeddingModel {
  readonly embeddingDim: number;

  constructor(
    readonly backbone: Backbone,
    readonly head: Head,
    readonly recipe?: ModelRecipe,
  ) {
    if (head.featureDim !== backbone.featureDim) {
      throw new Error(`head expects ${head.featureDim}-d features, backbone ${backbone.entry.name} gives ${backbone.featureDim}`);
    }
    this.embeddingDim = head.embeddingDim;
  }

  /** Backbone features before the head: [B, featureDim]. */
  features(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return this.backbone.features(images, training);
  }

  embed(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => this.head.apply(this.backbone.features(images, training))); // [B, E]
  }

  embedWithFeatures(images: tf.Tensor4D, training: boolean): { embeddings: tf.Tensor2D; features: tf.Tensor2D } {
    return tf.tidy(() => {
      const features = this.backbone.features(images, training); // [B, F]
      return { embeddings: this.head.apply(features), features }; // [B, E], [B, F]
    });
  }

  /** the head's (the unit sphere unless the head says otherwise) */
  get geometry(): EmbeddingGeometry {
    return this.head.geometry ?? SPHERE;
  }

  variableGroups(): { backbone: tf.Variable[]; head: tf.Variable[] } {
    return { backbone: this.backbone.trainableVariables(), head: this.head.variables() };
  }

  /** 'body.<torch key>' (tfjs layout, statistics included), then the head's as 'last_layer.<name>' (SEE's head: kernel [D, E], bias). */
  namedWeights(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [k, v] of this.backbone.params.named()) out.set(`body.${k}`, v);
    for (const [k, v] of this.head.namedWeights()) out.set(`last_layer.${k}`, v);
    return out;
  }

  dispose(): void {
    this.backbone.dispose();
    this.head.dispose();
  }
}

/** Builds backbone + head by registry name; loads weights strictly when `weights` is given. */
export function createEmbeddingModel(name: string, options: ModelOptions): BackboneEmbeddingModel {
  const backbone = createBackbone(name, options);
  try {
    if (options.weights) backbone.loadWeights(options.weights === 'pretrained' ? undefined : options.weights);
  } catch (err) {
    backbone.dispose();
    throw err;
  }
  let head: Head;
  try {
    head = createHead(options.head ?? { name: 'normalized_linear' }, {
      featureDim: backbone.featureDim,
      embeddingDim: options.embeddingDim,
      seed: options.seed ?? 0,
    });
  } catch (err) {
    backbone.dispose();
    throw err;
  }
  const { weights: _weights, ...rest } = options;
  return new BackboneEmbeddingModel(backbone, head, { backbone: name, options: rest });
}
