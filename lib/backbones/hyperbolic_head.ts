/**
 * The Hyp head (hyp_metric model.py `init_model`): Linear(featureDim, embeddingDim) with
 * orthogonal weight and zero bias, then, for curvature c > 0, feature clipping at radius clipR,
 * expmap0 onto the Poincare ball and projection inside it (hyptorch ToPoincare, riemannian=False);
 * for c = 0 the sphere version, L2 normalisation (NormLayer). No LayerNorm before the Linear (SEE's
 * head has one). The map after the Linear is lib/hyperbolic/poincare.ts `toEmbeddingSpace`.
 */
import { tf } from '../tf';
import type { OptionSchema } from '../options';
import { geometryOf, toEmbeddingSpace, type EmbeddingGeometry } from '../hyperbolic/poincare';
import { headEntry, type Head } from './head_entry';
import { OrthogonalLinear } from './orthogonal_linear';

export const HYPERBOLIC_OPTIONS = {
  c: { default: 0.1, type: 'number', min: 0, source: 'hyp_metric train.py default --hyp_c 0.1 (README: 0 for the sphere version)' },
  clipR: {
    default: 2.3,
    type: 'number',
    min: 0,
    source:
      'hyp_metric train.py default --clip_r 2.3 (feature clipping, Guo et al. 2021); 0 turns clipping off, as its README intends for --clip_r 0',
  },
} as const satisfies OptionSchema;

export class HyperbolicHead extends OrthogonalLinear implements Head {
  readonly geometry: EmbeddingGeometry;

  constructor(
    featureDim: number,
    embeddingDim: number,
    readonly c: number,
    readonly clipR: number,
    seed = 0,
  ) {
    if (!(c >= 0) || !(clipR >= 0)) throw new Error(`HyperbolicHead: c=${c}, clipR=${clipR}, expected both >= 0`);
    super(featureDim, embeddingDim, seed);
    this.geometry = geometryOf(c);
  }

  /** features [B, D] -> points of the ball (c > 0) or of the unit sphere (c = 0) [B, E] */
  apply(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => toEmbeddingSpace(this.project(features), this.c, this.clipR)); // [B, E]
  }
}

/** The registry entry (lib/backbones/heads.ts). */
export const HYPERBOLIC = headEntry({
  title: 'Linear, then clipping, expmap0 and projection onto the Poincare ball of curvature c (c = 0: L2 normalisation)',
  reference: 'Ermolov et al., CVPR 2022; htdt/hyp_metric model.py init_model with hyptorch ToPoincare',
  options: HYPERBOLIC_OPTIONS,
  create: (ctx, o) => new HyperbolicHead(ctx.featureDim, ctx.embeddingDim, o.c, o.clipR, ctx.seed),
});
