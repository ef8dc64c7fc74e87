/**
 * BatchNorm2d with frozen statistics (torch BatchNorm2d in eval mode, eps 1e-5).
 *
 * SEE's Resnet50(bn_freeze=True) puts every BatchNorm2d in eval() and disables .train(): the
 * running mean and variance stay fixed while weight (scale) and bias (shift) still receive
 * gradients. Proxy-Anchor's variant also freezes the affine parameters; which variables train
 * is decided by the model (ParamStore), the arithmetic is the same.
 */
import { tf } from '../tf';
import { bnReluBackwardOnHeap, bnReluForwardOnHeap } from '../backend/wasm_kernels/bn_relu';

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

/**
 * The same frozen BatchNorm with what follows it in a ResNet fused into one op:
 * y = relu(x * scale + shift (+ residual)), scale = weight / sqrt(var + eps), shift = bias - mean * scale.
 * Its gradient keeps only x and y (tfjs's own ops would also keep x * scale and the sum before the
 * ReLU, two more activation-sized tensors per layer): with g = dy where y > 0 (everywhere without
 * ReLU), dx = g * scale, d scale = sum g x, d shift = sum g, d residual = g (sums over every axis
 * but the channels); weight and bias get theirs through scale and shift. The incoming gradient dy
 * is freed as soon as these are computed: tfjs's tape would keep every layer's dy until the whole
 * backward pass ends, as much memory again as the activations.
 */
export function batchNormFrozenFused(
  x: tf.Tensor4D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  options: { relu: boolean; residual?: tf.Tensor4D },
  eps: number = BN_EPS,
): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = tf.mul(weight, tf.rsqrt(tf.add(runningVar, eps))); // [C]
    const shift = tf.sub(bias, tf.mul(runningMean, scale)); // [C]
    const axes = [0, 1, 2];
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, sc, sh] = args as tf.Tensor[];
      const residual = options.residual ? (args[3] as tf.Tensor) : undefined;
      const save = args[args.length - 1] as tf.GradSaveFunc;
      // one pass on the wasm heap; the same arithmetic in tfjs kernels elsewhere
      let y = bnReluForwardOnHeap(xi, sc, sh, residual, options.relu);
      if (!y) {
        y = tf.add(tf.mul(xi, sc), sh); // [B, H, W, C]
        if (residual) y = tf.add(y, residual);
        if (options.relu) y = tf.relu(y);
      }
      save(options.relu ? [xi, sc, y] : [xi, sc]); // y only for the ReLU's mask
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [sx, ssc, sy]: Array<tf.Tensor | undefined>) => {
          // a tidy: the tape runs a customGrad's gradFunc outside any scope of its own, so its
          // temporaries would otherwise live until the whole backward pass ends
          const grads = tf.tidy(() => {
            // one pass on the wasm heap; the same arithmetic in tfjs kernels elsewhere
            const fused = bnReluBackwardOnHeap(dy, sx!, sy, ssc!, residual !== undefined);
            if (fused) return fused;
            const g = sy ? tf.mul(dy, tf.step(sy)) : dy; // [B, H, W, C]
            const out = [tf.mul(g, ssc!), tf.sum(tf.mul(g, sx!), axes), tf.sum(g, axes)];
            return residual ? [...out, g === dy ? tf.clone(dy) : g] : out;
          });
          dy.dispose(); // only this node reads it (see above)
          return grads;
        },
      };
    });
    return (options.residual ? op(x, scale, shift, options.residual) : op(x, scale, shift)) as tf.Tensor4D;
  });
}
