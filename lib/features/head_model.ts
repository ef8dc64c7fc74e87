/**
 * The model of a run on cached features: only the embedding head, over the backbone's features.
 * The training loop's batches hold images [B, H, W, 3]; a cached feature vector travels as a
 * 1 x 1 "image" with featureDim channels ([B, 1, 1, F], a pooled feature map), so the loop, the
 * training step and the checkpoints work unchanged. Checkpoints hold the head as `last_layer.*`
 * (the same names as a backbone + head model's), no backbone.
 */
import type { Head } from '../backbones/head_entry';
import { tf } from '../tf';
import type { EmbeddingModel } from '../types';

export class FeatureHeadModel implements EmbeddingModel {
  readonly embeddingDim: number;

  constructor(readonly head: Head) {
    this.embeddingDim = head.embeddingDim;
  }

  get featureDim(): number {
    return this.head.featureDim;
  }

  /** features [B, 1, 1, F] -> unit embeddings [B, E] */
  embed(features: tf.Tensor4D, _training: boolean): tf.Tensor2D {
    const [b, h, w, f] = features.shape;
    if (h !== 1 || w !== 1 || f !== this.head.featureDim) {
      throw new Error(
        `FeatureHeadModel: expected cached features [B, 1, 1, ${this.head.featureDim}], got [${features.shape.join(', ')}] (images given to a head-only model?)`,
      );
    }
    return tf.tidy(() => this.head.apply(tf.reshape(features, [b, f]) as tf.Tensor2D)); // [B, E]
  }

  variableGroups(): { backbone: tf.Variable[]; head: tf.Variable[] } {
    return { backbone: [], head: this.head.variables() };
  }

  namedWeights(): Map<string, tf.Tensor> {
    return new Map([...this.head.namedWeights()].map(([k, v]) => [`last_layer.${k}`, v]));
  }

  dispose(): void {
    this.head.dispose();
  }
}
