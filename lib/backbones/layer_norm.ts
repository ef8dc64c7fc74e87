/**
 * LayerNorm over the last axis, as torch.nn.LayerNorm (biased variance). timm's ViT uses
 * eps 1e-6; SEE's head uses LayerNorm(elementwise_affine=False) with torch's default eps 1e-5.
 *
 * One op whose gradient keeps x and the per-row mean and 1/std only (tfjs's elementwise ops
 * kept three more activation-sized tensors per LayerNorm): with xhat = (x - mean) / std and
 * g = dy * weight, dx = (g - mean(g) - xhat mean(g xhat)) / std, dweight = sum dy xhat, dbias = sum dy
 * (means over the normalised axis, sums over the others). On wasm the forward pass and the
 * gradient are each one SIMD pass per row on the heap (lib/backend/wasm_kernels/layer_norm.ts).
 */
import { tf } from '../tf';
import { layerNormGradOnHeap, layerNormOnHeap } from '../backend/wasm_kernels/layer_norm';

function normalized(x: tf.Tensor, eps: number): { xhat: tf.Tensor; mean: tf.Tensor; rstd: tf.Tensor } {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true); // [..., 1]
  const rstd = tf.rsqrt(tf.add(variance, eps)); // [..., 1]
  return { xhat: tf.mul(tf.sub(x, mean), rstd), mean, rstd }; // [..., D]
}

function layerNormOp(eps: number, affine: boolean) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const [w, b] = affine ? [args[1] as tf.Tensor, args[2] as tf.Tensor] : [undefined, undefined];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // on wasm one pass per row (lib/backend/wasm_kernels/layer_norm.ts), else the composite
    const { value, mean, rstd } =
      layerNormOnHeap(x, w, b, eps) ??
      tf.tidy(() => {
        const n = normalized(x, eps);
        const y = w && b ? tf.add(tf.mul(n.xhat, w), b) : n.xhat; // [..., D]
        return { value: y, mean: n.mean, rstd: n.rstd };
      });
    save(w ? [x, mean, rstd, w] : [x, mean, rstd]);
    return {
      value,
      // in a tidy: the tape runs a customGrad's gradFunc outside any scope of its own
      gradFunc: (dy: tf.Tensor, [sx, sm, sr, sw]: Array<tf.Tensor | undefined>) =>
        tf.tidy(() => {
          const onHeap = layerNormGradOnHeap(sx!, sw, dy, sm!, sr!);
          if (onHeap) return onHeap.dweight && onHeap.dbias ? [onHeap.dx, onHeap.dweight, onHeap.dbias] : [onHeap.dx];
          const axis = sx!.rank - 1;
          const lead = Array.from({ length: axis }, (_, i) => i);
          const xhat = tf.mul(tf.sub(sx!, sm!), sr!); // [..., D]
          const g = sw ? tf.mul(dy, sw) : dy; // [..., D]
          const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, axis, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), axis, true))), sr!);
          return sw ? [dx, tf.sum(tf.mul(dy, xhat), lead), tf.sum(dy, lead)] : [dx];
        }),
    };
  });
}

export const layerNorm = tf.op({
  layerNorm_<T extends tf.Tensor>(x: T, weight: tf.Tensor1D | null, bias: tf.Tensor1D | null, eps: number): T {
    if (weight && bias) return layerNormOp(eps, true)(x, weight, bias) as T;
    let y = layerNormOp(eps, false)(x) as T;
    if (weight) y = tf.mul(y, weight);
    if (bias) y = tf.add(y, bias);
    return y;
  },
});
