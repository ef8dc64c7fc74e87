/**
 * _FusedMatMul for wasm without an activation (Linear layers with their bias, lib/backbones/linear.ts;
 * Proxy-Anchor's similarities plus the margin, lib/losses/proxy_anchor_plain.ts) on the kit's product
 * (batch_mat_mul.ts, gemm.ts). A bias of one row ([N], or 1s before N) is written into every row of
 * the output and the product added to it (the matrix product's accumulate mode: no second pass over
 * the output); another bias shape is one broadcast Add after the product. With an activation or PReLU
 * weights, wasm's own kernel runs it.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './kernel_tensors';
import { isKitProduct, multiplyOnHeap, productShape } from './batch_mat_mul';
import { wasmBackendOf } from './heap';

const NAME = '_FusedMatMul';

/** whether the kit runs this fused product: float32, no activation ('linear' or none), no PReLU weights */
export function isPlainFusedProduct(inputs: tf.NamedTensorInfoMap, attrs: tf._FusedMatMulAttrs): boolean {
  const { a, b, preluActivationWeights } = inputs;
  return (
    a != null &&
    b != null &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    preluActivationWeights == null &&
    (attrs.activation === undefined || attrs.activation === 'linear')
  );
}

/** whether `bias` is one row of N values: shape [N] or [1, ..., 1, N] */
function isRowBias(bias: tf.TensorInfo, n: number): boolean {
  return bias.dtype === 'float32' && bias.shape[bias.shape.length - 1] === n && bias.shape.slice(0, -1).every((d) => d === 1);
}

/** a _FusedMatMul replacement; `builtin` is wasm's own kernel, for activations */
export function fusedMatMulKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const { a, b, bias } = args.inputs;
    if (a == null || b == null || !isPlainFusedProduct(args.inputs, attrs)) return builtin(args);
    const product = { a, b, transposeA: attrs.transposeA, transposeB: attrs.transposeB };
    if (!isKitProduct(product)) return builtin(args);
    const shape = productShape(product); // [..., M, N]
    if (bias != null && !isRowBias(bias, shape[shape.length - 1])) {
      return tf.tidy(() => {
        const ab = tf.matMul(asTensor(args.inputs, 'a', NAME), asTensor(args.inputs, 'b', NAME), attrs.transposeA, attrs.transposeB); // [..., M, N]
        return tf.add(ab, asTensor(args.inputs, 'bias', NAME)); // [..., M, N]
      });
    }
    const backend = wasmBackendOf(args, NAME);
    const out = backend.makeOutput(shape, 'float32');
    if (bias != null && tf.util.sizeFromShape(shape) > 0) {
      // views after the allocation; the bias in the first row, then doubled until every row holds it
      const rows = backend.typedArrayFromHeap(out);
      const row = backend.typedArrayFromHeap(bias);
      rows.set(row, 0);
      for (let filled = row.length; filled < rows.length; filled *= 2) rows.copyWithin(filled, 0, Math.min(filled, rows.length - filled));
    }
    multiplyOnHeap(backend, product, out, bias != null);
    return out;
  };
}
