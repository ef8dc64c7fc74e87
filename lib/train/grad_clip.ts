/**
 * Gradient clipping. Official (SEE trainer/utils.clip_gradients_value, docs/official-recipe.md section 6):
 * every gradient element of the model and of the loss's proxies clamped to [-10, 10]; the value
 * 10 is hard-coded and --clip_grad only switches it on. Global-norm clipping follows
 * torch.nn.utils.clip_grad_norm_ (coef = min(1, max_norm / (total_norm + 1e-6))) as an option.
 * Both return new gradient maps; the caller still owns (and disposes) the input gradients, which the
 * clamp's map may hold too (entries it left as they were): dispose those once.
 */
import { tf } from '../tf';
import { absMaxOnHeap } from '../backend/wasm_kernels/abs_max';

export type GradClip = { kind: 'none' } | { kind: 'value'; value: number } | { kind: 'norm'; maxNorm: number };

/** The official setting. */
export const OFFICIAL_CLIP: GradClip = { kind: 'value', value: 10 };

/**
 * Element-wise clamp of every gradient to [-value, value]. On wasm a gradient already inside the
 * bounds (every entry, read on the heap) is passed on as it is, the same tensor: the clamp would
 * copy it unchanged (54 kernel calls of the demo's step, most of them such copies).
 */
export function clampGradients(grads: tf.NamedTensorMap, value: number): tf.NamedTensorMap {
  if (!(value > 0)) throw new Error(`clampGradients: value=${value}, expected > 0`);
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) out[name] = withinOnHeap(g, value) ? g : tf.clipByValue(g, -value, value);
  return out;
}

/** Whether every entry of `g` is in [-value, value] (NaN is not), read on the wasm heap; false off wasm. */
function withinOnHeap(g: tf.Tensor, value: number): boolean {
  const max = absMaxOnHeap(g);
  return max !== undefined && max <= value;
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
