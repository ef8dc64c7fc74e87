/**
 * Conv2DBackpropFilter for wasm: dW[i,j,ci,co] = sum_{n,ho,wo} x[n, ho*sh - padTop + i, wo*sw - padLeft + j, ci] * dy[n,ho,wo,co].
 *
 * That sum is one matrix product: the transposed patch matrix of x (im2col.ts, [fh*fw*Ci, M],
 * M = N*Ho*Wo, zeros where the forward pass read padding) times dy as [M, Co], whose [fh*fw*Ci, Co]
 * result is the filter layout HWIO as is. With the SIMD kernels the patch matrix is built row-major
 * (im2row, [M, fh*fw*Ci], one copy per filter row) and the product reads it transposed in place
 * (10-16% faster than building the transpose on ResNet-50's 3x3 layers at batch 8). Padding (SAME,
 * VALID, explicit) only decides which rows and columns of each tap are copied; rows the forward pass
 * never read are never touched.
 * The patch matrix is built for a slice of the batch at a time (at most MAX_PATCH values, 128 MB)
 * and the partial products are summed.
 * For a 1x1 convolution of stride 1 x itself is the patch matrix: dW = x^T dy, with x [M, Ci] read
 * transposed in place by the kit's product (gemm.ts), no copy at all. (With XNNPACK's product, which
 * packed its right operand on every call and ran transposed operands about ten times slower, the kit
 * took ResNet's expansions as dW^T = dy^T x, packing the narrower x: 70 instead of 122 ms at M 25,088,
 * Ci 64, Co 256.)
 * (The kit's first version ran this as an XNNPACK convolution with the images' batch as channels
 * and the stride as dilation: 2-8 input channels per product, 5-10x slower than this.)
 *
 * Source: the definition of the gradient in TensorFlow's conv_grad_filter_ops.cc; the attrs
 * are those of tfjs-core's conv2DBackpropFilter op (no dilations: tfjs's conv2d gradient
 * requires dilation 1).
 */
import * as tf from '@tensorflow/tfjs';
import { backpropFilterInputs } from './backprop_filter_inputs';
import { addressOf, heapTensor, wasmBackendOf } from './heap';
import { heapKernels, type HeapKernels } from './simd';
import { im2colT, im2rowAt, isPointwise, patchGeometry } from './im2col';
import { check } from './kernel_tensors';

const NAME = 'Conv2DBackpropFilter';
const MAX_PATCH = 1 << 25;

/**
 * The kernel, building the patch matrix for at most `maxPatch` values at a time, with the SIMD kernels
 * `kernels()` returns (heapKernels; a test passes none to run the path without SIMD).
 */
export const conv2dBackpropFilterKernel =
  (maxPatch: number, kernels: () => HeapKernels | undefined = heapKernels) =>
  (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend?: unknown }): tf.Tensor => {
    const backend = wasmBackendOf(args, NAME);
    const simd = kernels();
    return tf.tidy(() => {
      const { x, dy, info, filterShape } = backpropFilterInputs(args.inputs, args.attrs); // NHWC, checked
      check(x.dtype === 'float32' && dy.dtype === 'float32', NAME, () => `x and dy must be float32, got ${x.dtype} and ${dy.dtype}`);
      const [fh, fw, ci, co] = filterShape;
      const geometry = patchGeometry(info, fh, fw);
      const n = x.shape[0];
      const perImage = info.outHeight * info.outWidth;
      const dy2 = tf.reshape(dy, [n * perImage, co]); // [M, Co]
      if (isPointwise(geometry, x.shape[1], x.shape[2])) {
        const x2 = tf.reshape(x, [n * perImage, ci]); // [M, Ci]: the patch matrix of a 1x1 stride-1 convolution
        return tf.reshape(tf.matMul(x2, dy2, true, false), filterShape); // [1, 1, Ci, Co]
      }
      const chunk = Math.max(1, Math.min(n, Math.floor(maxPatch / Math.max(1, fh * fw * ci * perImage))));
      let dw: tf.Tensor | undefined;
      for (let n0 = 0; n0 < n; n0 += chunk) {
        const count = Math.min(chunk, n - n0);
        const rows = count === n ? dy2 : tf.slice(dy2, [n0 * perImage, 0], [count * perImage, co]); // [count*Ho*Wo, Co]
        let part: tf.Tensor;
        if (simd) {
          const patches = heapTensor(backend, [count * perImage, fh * fw * ci]); // [count*Ho*Wo, fh*fw*Ci]
          im2rowAt(simd, backend, x, geometry, n0, count, addressOf(backend, patches));
          part = tf.matMul(patches, rows, true, false); // [fh*fw*Ci, Co]: the patch matrix read transposed in place
        } else {
          const colsT = tf.engine().makeTensorFromTensorInfo(im2colT(backend, x, geometry, n0, count)); // [fh*fw*Ci, count*Ho*Wo]
          part = tf.matMul(colsT, rows); // [fh*fw*Ci, Co]
        }
        dw = dw ? tf.add(dw, part) : part;
      }
      return tf.reshape(dw ?? tf.zeros([fh * fw * ci, co]), filterShape); // [fh, fw, Ci, Co]
    });
  };

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterKernel(MAX_PATCH) as unknown as tf.KernelFunc,
};
