/**
 * The Linear layer both embedding heads share (SEE's `last_layer`, hyp_metric's head): weight
 * initialised orthogonal (torch orthogonal_ on the [E, D] weight; its transpose is stored), bias
 * zero; the variables it owns, checkpointed as `kernel` and `bias`. Each head adds its own map
 * before or after `project` (./head.ts, ./hyperbolic_head.ts).
 */
import { tf } from '../tf';
import { linear } from './linear';
import { orthogonalMatrix } from './orthogonal';

export class OrthogonalLinear {
  /** [featureDim, embeddingDim]: torch's Linear weight [E, D] transposed */
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly featureDim: number,
    readonly embeddingDim: number,
    seed: number,
  ) {
    const w = orthogonalMatrix(featureDim, embeddingDim, seed); // [D, E]
    this.kernel = tf.tidy(() => tf.variable(tf.tensor2d(w, [featureDim, embeddingDim]), true));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([embeddingDim]), true));
  }

  /** x [B, D] -> x W^T + b [B, E] */
  protected project(x: tf.Tensor2D): tf.Tensor2D {
    return linear(x, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D); // [B, E]
  }

  variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  /** `kernel` [featureDim, embeddingDim] (torch's Linear weight transposed) and `bias` [embeddingDim] */
  namedWeights(): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([
      ['kernel', this.kernel],
      ['bias', this.bias],
    ]);
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}
