/**
 * torch.nn.Linear on the last axis of a rank-2 or rank-3 tensor; the kernel is stored [in, out]
 * (PyTorch's [out, in] transposed by the key map).
 */
import { tf } from '../tf';
import { matMulFast } from './matmul';

export const linear = tf.op({
  linear_<T extends tf.Tensor2D | tf.Tensor3D>(x: T, kernel: tf.Tensor2D, bias: tf.Tensor1D | null): T {
    const [din, dout] = kernel.shape;
    const lead = x.shape.slice(0, -1);
    if (x.shape[x.rank - 1] !== din) {
      throw new Error(`linear: input last dim ${x.shape[x.rank - 1]} does not match kernel [${din}, ${dout}]`);
    }
    const flat = tf.reshape(x, [-1, din]) as tf.Tensor2D; // [M, in]
    let y: tf.Tensor = matMulFast(flat, kernel); // [M, out]
    if (bias) y = tf.add(y, bias);
    return tf.reshape(y, [...lead, dout] as number[]) as unknown as T; // [..., out]
  },
});
