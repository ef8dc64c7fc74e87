/**
 * _FusedMatMul for wasm without an activation (Proxy-Anchor's similarities plus the margin,
 * lib/losses/proxy_anchor.ts): the kit's BatchMatMul (gemm.ts, about 1.7x XNNPACK's product) and one
 * broadcast Add of the bias. With an activation or PReLU weights, wasm's own kernel runs it.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './kernel_tensors';
import { heapKernels } from './simd';

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

/** a _FusedMatMul replacement; `builtin` is wasm's own kernel, for activations */
export function fusedMatMulKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    if (!heapKernels() || !isPlainFusedProduct(args.inputs, attrs)) return builtin(args);
    return tf.tidy(() => {
      const a = asTensor(args.inputs, 'a', NAME);
      const b = asTensor(args.inputs, 'b', NAME);
      const product = tf.matMul(a, b, attrs.transposeA, attrs.transposeB); // [..., M, N]
      return args.inputs.bias == null ? product : tf.add(product, asTensor(args.inputs, 'bias', NAME)); // [..., M, N]
    });
  };
}
