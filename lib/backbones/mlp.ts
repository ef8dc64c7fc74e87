/**
 * timm's Mlp: fc1 -> exact GELU (nn.GELU, erf form) -> fc2.
 */
import { tf } from '../tf';
import { linear } from './linear';
import { geluOnHeap } from '../backend/wasm_kernels/gelu';

/**
 * GELU(x) = x/2 * (1 + erf(x / sqrt 2)), torch's default (approximate='none'), as one op whose
 * gradient keeps only x: dGELU/dx = Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2,
 * phi(x) = exp(-x^2 / 2) / sqrt(2 pi). (Written with tfjs's elementwise ops, the tape kept four
 * [B, N, 4D] tensors per MLP.) On wasm both are one SIMD pass (lib/backend/wasm_kernels/gelu.ts).
 */
const gelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: geluOnHeap(x) ?? tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))),
    // in a tidy: the tape runs a customGrad's gradFunc outside any scope of its own
    gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) =>
      tf.tidy(() => {
        const fused = geluOnHeap(sx, dy);
        if (fused) return fused;
        const cdf = tf.mul(tf.add(tf.erf(tf.mul(sx, Math.SQRT1_2)), 1), 0.5);
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(cdf, tf.mul(sx, pdf)));
      }),
  };
});

export const geluExact = tf.op({
  geluExact_<T extends tf.Tensor>(x: T): T {
    return gelu(x) as T;
  },
});

export interface MlpWeights {
  fc1: tf.Tensor2D; // [D, hidden]
  fc1Bias: tf.Tensor1D;
  fc2: tf.Tensor2D; // [hidden, D]
  fc2Bias: tf.Tensor1D;
}

export const mlp = tf.op({
  mlp_(x: tf.Tensor3D, w: MlpWeights): tf.Tensor3D {
    return linear(geluExact(linear(x, w.fc1, w.fc1Bias)), w.fc2, w.fc2Bias); // [B, N, D]
  },
});
