/**
 * Gradient clipping. Official (SEE trainer/utils.clip_gradients_value, docs/official-recipe.md section 6):
 * every gradient element of the model and of the loss's proxies clamped to [-10, 10]; the value
 * 10 is hard-coded and --clip_grad only switches it on. Global-norm clipping follows
 * torch.nn.utils.clip_grad_norm_ (coef = min(1, max_norm / (total_norm + 1e-6))) as an option.
 * Both return new gradient maps; the caller still owns (and disposes) the input gradients.
 */
import { tf } from '../tf';

export type GradClip = { kind: 'none' } | { kind: 'value'; value: number } | { kind: 'norm'; maxNorm: number };

/** The official setting. */
export const OFFICIAL_CLIP: GradClip = { kind: 'value', value: 10 };

/** Element-wise clamp of every gradient to [-value, value]. */
export function clampGradients(grads: tf.NamedTensorMap, value: number): tf.NamedTensorMap {
  if (!(value > 0)) throw new Error(`clampGradients: value=${value}, expected > 0`);
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) out[name] = tf.clipByValue(g, -value, value);
  return out;
}

/** Scales all gradients together so their global L2 norm is at most maxNorm. */
export function clipGradientsByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  if (!(maxNorm > 0)) throw new Error(`clipGradientsByGlobalNorm: maxNorm=${maxNorm}, expected > 0`);
  const names = Object.keys(grads);
  return tf.tidy(() => {
    const sq = names.map((n) => tf.sum(tf.square(grads[n]))); // [] each
    const total = tf.sqrt(sq.length === 1 ? sq[0] : tf.addN(sq)); // []
    const coef = tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1); // []
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], coef);
    return out;
  });
}

/** Applies a GradClip setting; returns the input map itself for 'none'. */
export function applyGradClip(grads: tf.NamedTensorMap, clip: GradClip): tf.NamedTensorMap {
  switch (clip.kind) {
    case 'none':
      return grads;
    case 'value':
      return clampGradients(grads, clip.value);
    case 'norm':
      return clipGradientsByGlobalNorm(grads, clip.maxNorm);
  }
}
