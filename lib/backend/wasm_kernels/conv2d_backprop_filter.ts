/**
 * Conv2DBackpropFilter for wasm: dW[i,j,ci,co] = sum_{n,ho,wo} x[n, ho*sh - padTop + i, wo*sw - padLeft + j, ci] * dy[n,ho,wo,co].
 *
 * That sum is itself a convolution, run on wasm's XNNPACK Conv2D: the input is x with its
 * channels moved to the batch position ([Ci, H, W, N]), the filter is dy ([Ho, Wo, N, Co]),
 * the stride is 1 and the filter dilation equals the forward stride. Its output [Ci, fh, fw, Co]
 * is transposed to the filter layout [fh, fw, Ci, Co]. Padding (SAME, VALID, explicit) is
 * passed as explicit pads; where the forward pass never read the last rows/columns of x
 * (VALID with a remainder), the bottom/right pad is negative and x is cropped instead.
 * 1x1 filters without padding use one matmul over the strided pixels.
 *
 * Source: the definition of the gradient in TensorFlow's conv_grad_filter_ops.cc; the attrs
 * are those of tfjs-core's conv2DBackpropFilter op (no dilations: tfjs's conv2d gradient
 * requires dilation 1).
 */
import * as tf from '@tensorflow/tfjs';
import { backpropFilterInputs } from './backprop_filter_inputs';

const NAME = 'Conv2DBackpropFilter';

/** Explicit pads of the equivalent forward-as-filter convolution, cropping where a pad is negative. */
function cropAndPad(size: number, filter: number, outSize: number, stride: number, padBefore: number): { keep: number; after: number } {
  const after = filter + (outSize - 1) * stride - size - padBefore;
  return after >= 0 ? { keep: size, after } : { keep: size + after, after: 0 };
}

function conv2dBackpropFilter({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  return tf.tidy(() => {
    const prepared = backpropFilterInputs(inputs, attrs);
    let x = prepared.x;
    const { dy, info, filterShape } = prepared;
    const [fh, fw, ci, co] = filterShape;
    const { top, left } = info.padInfo;
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const rows = cropAndPad(x.shape[1], fh, info.outHeight, sh, top);
    const cols = cropAndPad(x.shape[2], fw, info.outWidth, sw, left);
    if (rows.keep < x.shape[1] || cols.keep < x.shape[2]) {
      x = tf.slice(x, [0, 0, 0, 0], [-1, rows.keep, cols.keep, -1]); // [N, H', W', Ci]
    }
    if (fh === 1 && fw === 1 && top === 0 && left === 0) {
      const picked = tf.stridedSlice(x, [0, 0, 0, 0], [x.shape[0], x.shape[1], x.shape[2], ci], [1, sh, sw, 1]); // [N, Ho, Wo, Ci]
      const dw = tf.matMul(tf.reshape(picked, [-1, ci]), tf.reshape(dy, [-1, co]), true, false); // [Ci, Co]
      return tf.reshape(dw, filterShape); // [1, 1, Ci, Co]
    }
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [Ci, H', W', N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    const pads: [[number, number], [number, number], [number, number], [number, number]] =
      [[0, 0], [top, rows.after], [left, cols.after], [0, 0]];
    const dwT = tf.conv2d(xT, dyT, 1, pads, 'NHWC', [sh, sw]); // [Ci, fh, fw, Co]
    return tf.transpose(dwT, [1, 2, 0, 3]); // [fh, fw, Ci, Co]
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
