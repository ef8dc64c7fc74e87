/**
 * torch.nn.Linear on the last axis of a rank-2 or rank-3 tensor; the kernel is stored [in, out]
 * (PyTorch's [out, in] transposed by the key map). With a bias, one fused product x W + b (on wasm
 * the bias is written into the output and the product added to it: lib/backend/wasm_kernels/fused_mat_mul.ts)
 * whose gradient keeps x and W only: dx = dy W^T, dW = x^T dy, db = the column sums of dy.
 */
import { tf } from '../tf';
import { matMulFast, matMulT } from './matmul';

const affine = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.fused.matMul({ a: x, b: kernel, bias }), // [M, out]
    // a tidy: the tape runs a customGrad's gradFunc outside any scope
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sk] = saved;
        return [matMulT(dy, sk, false, true), matMulT(sx, dy, true, false), tf.sum(dy, 0)]; // [M, in], [in, out], [out]
      }),
  };
});

export const linear = tf.op({
  linear_<T extends tf.Tensor2D | tf.Tensor3D>(x: T, kernel: tf.Tensor2D, bias: tf.Tensor1D | null): T {
    const [din, dout] = kernel.shape;
    const lead = x.shape.slice(0, -1);
    if (x.shape[x.rank - 1] !== din) {
      throw new Error(`linear: input last dim ${x.shape[x.rank - 1]} does not match kernel [${din}, ${dout}]`);
    }
    if (bias && (bias.rank !== 1 || bias.shape[0] !== dout)) {
      throw new Error(`linear: bias shape [${bias.shape.join(', ')}] does not match kernel [${din}, ${dout}] (expected [${dout}])`);
    }
    const flat = tf.reshape(x, [-1, din]) as tf.Tensor2D; // [M, in]
    const y = bias ? affine(flat, kernel, bias) : matMulFast(flat, kernel); // [M, out]
    return tf.reshape(y, [...lead, dout] as number[]) as unknown as T; // [..., out]
  },
});
