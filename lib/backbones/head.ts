/**
 * SEE's embedding head (trainer/models/model.py, `last_layer`): LayerNorm without affine
 * parameters (use_lastnorm, torch eps 1e-5), Linear(featureDim, embeddingDim) with orthogonal
 * weight and zero bias (_init_weights), then L2 normalisation (NormLayer = F.normalize(p=2, dim=1)).
 */
import { tf } from '../tf';
import type { OptionSchema } from '../options';
import { headEntry, type Head } from './head_entry';
import { layerNorm } from './layer_norm';
import { linear } from './linear';
import { orthogonalMatrix } from './orthogonal';

export const NORMALIZED_LINEAR_OPTIONS = {
  lastNorm: { default: true, type: 'boolean', source: 'official --use_lastnorm True (every De^128 script and train.py default)' },
} as const satisfies OptionSchema;

export interface HeadOptions {
  /** LayerNorm before the Linear (SEE's use_lastnorm, default true) */
  lastNorm?: boolean;
  seed?: number;
}

export class EmbeddingHead implements Head {
  /** [featureDim, embeddingDim]: torch's Linear weight [E, D] transposed */
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  readonly lastNorm: boolean;

  constructor(readonly featureDim: number, readonly embeddingDim: number, options: HeadOptions = {}) {
    this.lastNorm = options.lastNorm ?? NORMALIZED_LINEAR_OPTIONS.lastNorm.default;
    // torch orthogonal_ on the [E, D] weight; its transpose is what we store
    const w = orthogonalMatrix(featureDim, embeddingDim, options.seed ?? 0); // [D, E]
    this.kernel = tf.tidy(() => tf.variable(tf.tensor2d(w, [featureDim, embeddingDim]), true));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([embeddingDim]), true));
  }

  /** features [B, D] -> unit embeddings [B, E] */
  apply(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.lastNorm ? layerNorm(features, null, null, 1e-5) : features; // [B, D]
      const y = linear(x, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D); // [B, E]
      return tf.div(y, tf.maximum(tf.norm(y, 2, 1, true), 1e-12)) as tf.Tensor2D; // F.normalize eps 1e-12
    });
  }

  variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  /** `kernel` [featureDim, embeddingDim] (torch's Linear weight transposed) and `bias` [embeddingDim] */
  namedWeights(): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([['kernel', this.kernel], ['bias', this.bias]]);
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

/** The registry entry (lib/backbones/heads.ts). */
export const NORMALIZED_LINEAR = headEntry({
  title: 'LayerNorm (no affine), Linear, L2 normalisation',
  reference: 'official SEE trainer/models/model.py last_layer (docs/official-recipe.md §4)',
  options: NORMALIZED_LINEAR_OPTIONS,
  create: (c, o) => new EmbeddingHead(c.featureDim, c.embeddingDim, { lastNorm: o.lastNorm, seed: c.seed }),
});
