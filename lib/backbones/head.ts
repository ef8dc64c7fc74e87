/**
 * SEE's embedding head (trainer/models/model.py, `last_layer`): LayerNorm without affine
 * parameters (use_lastnorm, torch eps 1e-5), Linear(featureDim, embeddingDim) with orthogonal
 * weight and zero bias (_init_weights), then L2 normalisation (NormLayer = F.normalize(p=2, dim=1)).
 */
import { tf } from '../tf';
import { normalizeRows } from './normalize_rows';
import type { OptionSchema } from '../options';
import { headEntry, type Head } from './head_entry';
import { layerNorm } from './layer_norm';
import { OrthogonalLinear } from './orthogonal_linear';

export const NORMALIZED_LINEAR_OPTIONS = {
  lastNorm: { default: true, type: 'boolean', source: 'official --use_lastnorm True (every De^128 script and train.py default)' },
} as const satisfies OptionSchema;

export interface HeadOptions {
  /** LayerNorm before the Linear (SEE's use_lastnorm, default true) */
  lastNorm?: boolean;
  seed?: number;
}

export class EmbeddingHead extends OrthogonalLinear implements Head {
  readonly lastNorm: boolean;

  constructor(featureDim: number, embeddingDim: number, options: HeadOptions = {}) {
    super(featureDim, embeddingDim, options.seed ?? 0);
    this.lastNorm = options.lastNorm ?? NORMALIZED_LINEAR_OPTIONS.lastNorm.default;
  }

  /** features [B, D] -> unit embeddings [B, E] */
  apply(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.lastNorm ? layerNorm(features, null, null, 1e-5) : features; // [B, D]
      const y = this.project(x); // [B, E]
      return normalizeRows(y); // F.normalize eps 1e-12
    });
  }
}

/** The registry entry (lib/backbones/heads.ts). */
export const NORMALIZED_LINEAR = headEntry({
  title: 'LayerNorm (no affine), Linear, L2 normalisation',
  reference: 'official SEE trainer/models/model.py last_layer (docs/official-recipe.md §4)',
  options: NORMALIZED_LINEAR_OPTIONS,
  create: (c, o) => new EmbeddingHead(c.featureDim, c.embeddingDim, { lastNorm: o.lastNorm, seed: c.seed }),
});
