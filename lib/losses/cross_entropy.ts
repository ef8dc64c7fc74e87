/** Mean softmax cross-entropy of logits [B, C] against int labels, as `F.cross_entropy`. */
import { tf } from '../tf';

/** one-hot float32 [B, C]; int32 then cast (tfjs-backend-wasm 4.22's OneHot ignores a float dtype) */
export function oneHotFloat(labels: tf.Tensor1D, numClasses: number, on = 1, off = 0): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(labels, numClasses, on, off), 'float32') as tf.Tensor2D);
}

export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(logits, oneHotFloat(labels, logits.shape[1])), 1); // [B]
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), picked)) as tf.Scalar;
  });
}
