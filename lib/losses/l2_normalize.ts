/**
 * Row-wise L2 normalisation as the official code's `l2_norm`: x / sqrt(sum(x^2) + 1e-12).
 * (Proxy-Anchor repo `losses.py`, SEE `sphericalexpansion.py`.)
 */
import { tf } from '../tf';

export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(x), axis, true), 1e-12)); // [..., 1]
    return tf.div(x, norm) as T;
  });
}
