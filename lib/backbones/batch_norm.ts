/**
 * BatchNorm2d with frozen statistics (torch BatchNorm2d in eval mode, eps 1e-5).
 *
 * SEE's Resnet50(bn_freeze=True) puts every BatchNorm2d in eval() and disables .train(): the
 * running mean and variance stay fixed while weight (scale) and bias (shift) still receive
 * gradients. Proxy-Anchor's variant also freezes the affine parameters; which variables train
 * is decided by the model (ParamStore), the arithmetic is the same.
 */
import { tf } from '../tf';

export const BN_EPS = 1e-5;

/** y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (last axis of NHWC). */
export const batchNormFrozen = tf.op({
  batchNormFrozen_(
    x: tf.Tensor4D,
    runningMean: tf.Tensor1D,
    runningVar: tf.Tensor1D,
    weight: tf.Tensor1D,
    bias: tf.Tensor1D,
    eps: number = BN_EPS,
  ): tf.Tensor4D {
    const scale = tf.mul(weight, tf.rsqrt(tf.add(runningVar, eps))); // [C]
    const shift = tf.sub(bias, tf.mul(runningMean, scale)); // [C]
    return tf.add(tf.mul(x, scale), shift); // [B, H, W, C]
  },
});
