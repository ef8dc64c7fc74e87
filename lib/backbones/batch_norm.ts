/**
 * BatchNorm2d with frozen statistics (torch BatchNorm2d in eval mode, eps 1e-5).
 *
 * SEE's Resnet50(bn_freeze=True) puts every BatchNorm2d in eval() and disables .train(): the
 * running mean and variance stay fixed while weight (scale) and bias (shift) still receive
 * gradients. Proxy-Anchor's variant also freezes the affine parameters; which variables train
 * is decided by the model (ParamStore), the arithmetic is the same.
 */
import { tf } from '../tf';
import { bnReluBackwardOnHeap, bnReluForwardOnHeap, bnReluOnHeap } from '../backend/wasm_kernels/bn_relu';
import { heapValues } from '../backend/wasm_kernels/heap';
import type { GradientHandoff } from './gradient_handoff';

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
 * With `residualGradientTo`, d residual is given there instead of to the tape (the residual is then
 * not one of the op's tape inputs; gradient_handoff.ts).
 */
export function batchNormFrozenFused(
  x: tf.Tensor4D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  options: BnReluOptions,
  eps: number = BN_EPS,
): tf.Tensor4D {
  const inputs = [x, runningMean, runningVar, weight, bias];
  const onHeap = bnReluOnHeap([...inputs, options.residual]);
  const op = tf.customGrad(onHeap ? heapForward(options, eps) : tensorForward(options, eps));
  return (options.residual && !options.residualGradientTo ? op(...inputs, options.residual) : op(...inputs)) as tf.Tensor4D;
}

/** What follows the BatchNorm: the ReLU or not, the residual sum or not, and where d residual goes (the tape unless said). */
export interface BnReluOptions {
  relu: boolean;
  residual?: tf.Tensor4D;
  residualGradientTo?: GradientHandoff;
}

/** The gradients of the op's tape inputs, with d residual (last of `grads`) given to the handoff when there is one. */
function routeResidualGradient(grads: tf.Tensor[], options: BnReluOptions): tf.Tensor[] {
  if (!options.residual || !options.residualGradientTo) return grads;
  options.residualGradientTo.give(grads[grads.length - 1]);
  return grads.slice(0, -1);
}

type Forward = Parameters<typeof tf.customGrad>[0];

/**
 * The op on the wasm heap: the activations in one pass each way (bn_relu.ts); the [C] arithmetic on
 * the host in float32, in the order of tensorForward's kernels (each step rounded with Math.fround),
 * so the tape saves only x (and y) and no kernel runs for a [C] vector: on the demo network that was
 * 289 of the 600 kernel calls of a forward and backward pass (1-1.5 ms of a pass at batch 2 here).
 */
function heapForward(options: BnReluOptions, eps: number): Forward {
  return (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, mean, variance, w, b] = args as tf.Tensor[];
    const residual = residualOf(args, options);
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const f = channelFactors(hostValues(mean), hostValues(variance), hostValues(w), hostValues(b), eps);
    const y = bnReluForwardOnHeap(xi, f.scale, f.shift, residual, options.relu);
    save(options.relu ? [xi, y] : [xi]); // y only for the ReLU's mask
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sy]: Array<tf.Tensor | undefined>) => {
        const parts = bnReluBackwardOnHeap(dy, sx!, sy, f.scale, residual !== undefined);
        dy.dispose(); // only this node reads it (see batchNormFrozenFused)
        const c = f.scale.length;
        const [dMean, dVar, dWeight] = [new Float32Array(c), new Float32Array(c), new Float32Array(c)];
        const r = Math.fround;
        for (let k = 0; k < c; k++) {
          const dScaleTotal = r(parts.sumGx[k] - r(parts.sumG[k] * f.mean[k])); // through scale and shift
          dMean[k] = -r(parts.sumG[k] * f.scale[k]);
          dVar[k] = r(dScaleTotal * r(f.scale[k] * r(f.r[k] * f.r[k]))) * -0.5;
          dWeight[k] = dScaleTotal * f.r[k];
        }
        const out = [parts.dx, tf.tensor1d(dMean), tf.tensor1d(dVar), tf.tensor1d(dWeight), tf.tensor1d(parts.sumG)];
        return routeResidualGradient(parts.g ? [...out, parts.g] : out, options);
      },
    };
  };
}

/** The residual: the op's sixth tape input, or the options' own where its gradient is handed over. */
function residualOf(args: Array<tf.Tensor | tf.GradSaveFunc>, options: BnReluOptions): tf.Tensor | undefined {
  if (!options.residual) return undefined;
  return options.residualGradientTo ? options.residual : (args[5] as tf.Tensor);
}

/** A [C] float32 tensor's values on the host (a copy: the heap may move). */
function hostValues(t: tf.Tensor): Float32Array {
  const view = heapValues(t);
  if (!view) throw new Error(`BatchNorm on the wasm heap: ${t.dtype} tensor [${t.shape}] is not a float32 tensor of the wasm backend`);
  return view.slice();
}

/** r = 1 / sqrt(var + eps), scale = weight * r, shift = bias - mean * scale, each step rounded to float32 like a kernel's. */
function channelFactors(
  mean: Float32Array,
  variance: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  eps: number,
): { mean: Float32Array; r: Float32Array; scale: Float32Array; shift: Float32Array } {
  const c = mean.length;
  if (variance.length !== c || weight.length !== c || bias.length !== c)
    throw new Error(
      `BatchNorm: mean [${c}], var [${variance.length}], weight [${weight.length}] and bias [${bias.length}] differ in length`,
    );
  const r = new Float32Array(c);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  const eps32 = Math.fround(eps);
  for (let k = 0; k < c; k++) {
    r[k] = 1 / Math.fround(Math.sqrt(Math.fround(variance[k] + eps32)));
    scale[k] = weight[k] * r[k];
    shift[k] = bias[k] - Math.fround(mean[k] * scale[k]);
  }
  return { mean, r, scale, shift };
}

/** The op in tfjs kernels, for every other backend. */
function tensorForward(options: BnReluOptions, eps: number): Forward {
  const axes = [0, 1, 2];
  return (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, mean, variance, w, b] = args as tf.Tensor[];
    const residual = residualOf(args, options);
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // inside a customGrad's forward the tape is off: these are plain kernels, freed by its scope
    const r = tf.rsqrt(tf.add(variance, eps)); // [C]
    const scale = tf.mul(w, r); // [C]
    const shift = tf.sub(b, tf.mul(mean, scale)); // [C]
    let y = tf.add(tf.mul(xi, scale), shift); // [B, H, W, C]
    if (residual) y = tf.add(y, residual);
    if (options.relu) y = tf.relu(y);
    save(options.relu ? [xi, mean, scale, r, y] : [xi, mean, scale, r]); // y only for the ReLU's mask
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sMean, sScale, sR, sy]: Array<tf.Tensor | undefined>) => {
        // a tidy: the tape runs a customGrad's gradFunc outside any scope of its own, so its
        // temporaries would otherwise live until the whole backward pass ends
        const grads = tf.tidy(() => {
          const g = sy ? tf.mul(dy, tf.step(sy)) : dy; // [B, H, W, C]
          const dx = tf.mul(g, sScale!); // [B, H, W, C]
          const dScale = tf.sum(tf.mul(g, sx!), axes); // [C]
          const dShift = tf.sum(g, axes); // [C]
          const dScaleTotal = tf.sub(dScale, tf.mul(dShift, sMean!)); // [C]: through scale and shift
          const dMean = tf.neg(tf.mul(dShift, sScale!)); // [C]
          const dVar = tf.mul(tf.mul(dScaleTotal, tf.mul(sScale!, tf.square(sR!))), -0.5); // [C]
          const dWeight = tf.mul(dScaleTotal, sR!); // [C]
          const out = [dx, dMean, dVar, dWeight, dShift];
          return residual ? [...out, g === dy ? tf.clone(dy) : g] : out;
        });
        dy.dispose(); // only this node reads it (see batchNormFrozenFused)
        return routeResidualGradient(grads, options);
      },
    };
  };
}
