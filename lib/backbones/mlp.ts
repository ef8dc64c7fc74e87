/**
 * timm's Mlp: fc1 -> exact GELU (nn.GELU, erf form) -> fc2.
 */
import { tf } from '../tf';
import { linear } from './linear';

/** GELU(x) = x/2 * (1 + erf(x / sqrt 2)), torch's default (approximate='none'). */
export const geluExact = tf.op({
  geluExact_<T extends tf.Tensor>(x: T): T {
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T;
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
