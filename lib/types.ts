/**
 * Contracts between the parts of the kit. Shapes: B batch, D embedding dim, C classes,
 * H/W image size. Labels are int32, 0-based.
 */
import type { EmbeddingGeometry } from './hyperbolic/poincare';
import type { tf } from './tf';

export type { EmbeddingGeometry };

/** A trainable embedding network (backbone + head). Owns its variables. */
export interface EmbeddingModel {
  readonly embeddingDim: number;
  /** where the embeddings live (evaluation ranks by its distance); absent: the unit sphere (cosine) */
  readonly geometry?: EmbeddingGeometry;
  /** images [B, H, W, 3] float32, normalised -> embeddings [B, D] (unit vectors on the sphere, points of the ball) */
  embed(images: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** the embeddings and the backbone's features before the head [B, F], in one forward pass (evaluation's "body" recall) */
  embedWithFeatures?(images: tf.Tensor4D, training: boolean): { embeddings: tf.Tensor2D; features: tf.Tensor2D };
  /** parameter groups of the official recipe: backbone (pretrained) and head ("last_layer") */
  variableGroups(): { backbone: tf.Variable[]; head: tf.Variable[] };
  /** named tensors to checkpoint (variables and frozen statistics) */
  namedWeights(): Map<string, tf.Tensor>;
  dispose(): void;
}

/**
 * A metric-learning loss: (embeddings [B, D], labels [B]) -> scalar. Proxy losses own proxies.
 * The optional hooks are what the training loop calls when a loss has them.
 */
export interface MetricLoss {
  readonly name: string;
  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
  /** variables the loss learns (proxies); empty for pair losses */
  readonly trainableVariables: tf.Variable[];
  dispose(): void;
  /** called once at the start of every epoch (SEE: the official `update_threshold`) */
  setEpoch?(epoch: number, epochs: number): unknown;
  /** random state of the loss's own draws (SEE's expansion), saved in checkpoints so a resumed run draws the same */
  getRandomState?(): number[];
  setRandomState?(state: readonly number[]): void;
  /** statistics of the last compute(), logged with every step (SEE: expansion rate, threshold) */
  lastStats?(): Record<string, number>;
  /**
   * Two-part form, both or neither (SEE: the expansion term needs this step's embeddings on the
   * CPU and trains only the loss's own variables). The training step calls `batchTerm` inside its
   * gradient tape instead of compute(), then awaits `deferredTerm`, which reads what it needs
   * asynchronously (WebGPU cannot read synchronously) and returns its value and the gradients of
   * the loss's variables, keyed by variable name; total = batchTerm + deferredTerm.
   */
  batchTerm?(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
  deferredTerm?(): Promise<{ value: tf.Scalar; grads: tf.NamedTensorMap }>;
  /**
   * the loss's terms by name (total = their weighted sum), for diagnostics only (a non-finite
   * step names them); asynchronous so that it can read on backends without synchronous reads
   */
  terms?(embeddings: tf.Tensor2D, labels: tf.Tensor1D): Promise<Record<string, number>>;
}
