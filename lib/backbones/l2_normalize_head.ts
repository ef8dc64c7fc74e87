/**
 * The `l2_normalize` head: no parameters, the backbone's features divided by their L2 norm
 * (F.normalize, eps 1e-12), so embeddingDim = the backbone's feature size. What the paper's
 * DeiT-S, DINO and ViT-S rows (De^384, DN^384, V^384) evaluate: the pretrained features as they are.
 */
import { tf } from '../tf';
import { normalizeRows } from './normalize_rows';
import { headEntry, type Head } from './head_entry';

export class L2NormalizeHead implements Head {
  constructor(
    readonly featureDim: number,
    readonly embeddingDim: number,
  ) {
    if (embeddingDim !== featureDim) {
      throw new Error(
        `head "l2_normalize" keeps the backbone's ${featureDim}-d features: embeddingDim must be ${featureDim}, got ${embeddingDim}`,
      );
    }
  }

  /** features [B, F] -> unit features [B, F] */
  apply(features: tf.Tensor2D): tf.Tensor2D {
    return normalizeRows(features); // [B, F]
  }

  variables(): tf.Variable[] {
    return [];
  }

  namedWeights(): Map<string, tf.Tensor> {
    return new Map();
  }

  dispose(): void {}
}

export const L2_NORMALIZE = headEntry({
  title: "no parameters: the backbone's features L2-normalised (embeddingDim = feature size)",
  reference: "the paper's off-the-shelf rows (DeiT-S De^384, DINO DN^384, ViT-S V^384): pretrained features without metric training",
  options: {},
  create: (c) => new L2NormalizeHead(c.featureDim, c.embeddingDim),
});
