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
 * y = relu(x * scale + shift (+ residual)), scale = weight * r, shift = bias - mean * scale,
 * r = 1 / sqrt(var + eps). Its gradient keeps only x and y (tfjs's own ops would also keep x * scale
 * and the sum before the ReLU, two more activation-sized tensors per layer): with g = dy where y > 0
 * (everywhere without ReLU), dx = g * scale, d scale = sum g x, d shift = sum g, d residual = g (sums
 * over every axis but the channels). The per-channel statistics are part of the op too, so the tape
 * records one node per layer instead of six (five element-wise ops on [C] vectors, each with its own
 * saved copies and gradient kernels: about 25 kernel calls per layer per step, most of the demo
 * network's 700): d shift flows to d bias, d mean = -d shift * scale, and with
 * D = d scale - d shift * mean, d weight = D * r and d var = -D * scale * r^2 / 2.
 * The incoming gradient dy is freed as soon as these are computed: tfjs's tape would keep every
 * layer's dy until the whole backward pass ends, as much memory again as the activations.
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
  const axes = [0, 1, 2];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, mean, variance, w, b] = args as tf.Tensor[];
    const residual = options.residual ? (args[5] as tf.Tensor) : undefined;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // inside a customGrad's forward the tape is off: these are plain kernels, freed by its scope
    const r = tf.rsqrt(tf.add(variance, eps)); // [C]
    const scale = tf.mul(w, r); // [C]
    const shift = tf.sub(b, tf.mul(mean, scale)); // [C]
    // one pass on the wasm heap; the same arithmetic in tfjs kernels elsewhere
    let y = bnReluForwardOnHeap(xi, scale, shift, residual, options.relu);
    if (!y) {
      y = tf.add(tf.mul(xi, scale), shift); // [B, H, W, C]
      if (residual) y = tf.add(y, residual);
      if (options.relu) y = tf.relu(y);
    }
    save(options.relu ? [xi, mean, scale, r, y] : [xi, mean, scale, r]); // y only for the ReLU's mask
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sMean, sScale, sR, sy]: Array<tf.Tensor | undefined>) => {
        // a tidy: the tape runs a customGrad's gradFunc outside any scope of its own, so its
        // temporaries would otherwise live until the whole backward pass ends
        const grads = tf.tidy(() => {
          // one pass on the wasm heap; the same arithmetic in tfjs kernels elsewhere
          let parts = bnReluBackwardOnHeap(dy, sx!, sy, sScale!, residual !== undefined);
          if (!parts) {
            const g = sy ? tf.mul(dy, tf.step(sy)) : dy; // [B, H, W, C]
            parts = [tf.mul(g, sScale!), tf.sum(tf.mul(g, sx!), axes), tf.sum(g, axes)];
            if (residual) parts.push(g === dy ? tf.clone(dy) : g);
          }
          const [dx, dScale, dShift, dResidual] = parts; // [B, H, W, C], [C], [C], [B, H, W, C]?
          const dScaleTotal = tf.sub(dScale, tf.mul(dShift, sMean!)); // [C]: through scale and shift
          const dMean = tf.neg(tf.mul(dShift, sScale!)); // [C]
          const dVar = tf.mul(tf.mul(dScaleTotal, tf.mul(sScale!, tf.square(sR!))), -0.5); // [C]
          const dWeight = tf.mul(dScaleTotal, sR!); // [C]
          const out = [dx, dMean, dVar, dWeight, dShift];
          return dResidual ? [...out, dResidual] : out;
        });
        dy.dispose(); // only this node reads it (see above)
        return grads;
      },
    };
  });
  const inputs = [x, runningMean, runningVar, weight, bias];
  return (options.residual ? op(...inputs, options.residual) : op(...inputs)) as tf.Tensor4D;
}
