/**
 * Convolution and max pooling with PyTorch's symmetric zero padding made explicit.
 *
 * tfjs 'same' padding puts the odd extra row/column at the bottom/right for strided layers,
 * whereas torch.nn.Conv2d(padding=p) pads p on every side; padding first and convolving
 * 'valid' reproduces PyTorch exactly (torchvision resnet.py: conv3x3 padding=1, conv1 padding=3,
 * MaxPool2d(3, 2, padding=1), which pads with -inf).
 */
import { tf } from '../tf';

function padHW(x: tf.Tensor4D, p: number, value: number): tf.Tensor4D {
  return p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], value) : x;
}

/** torch Conv2d(stride, padding) on NHWC input with HWIO kernel; optional bias [O]. */
export const conv2dTorch = tf.op({
  conv2dTorch_(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, padding: number): tf.Tensor4D {
    const y = tf.conv2d(padHW(x, padding, 0), kernel, stride, 'valid'); // [B, H', W', O]
    return bias ? tf.add(y, bias) : y;
  },
});

/** torch MaxPool2d(kernel, stride, padding): padded cells never win (-inf). */
export const maxPool2dTorch = tf.op({
  maxPool2dTorch_(x: tf.Tensor4D, kernel: number, stride: number, padding: number): tf.Tensor4D {
    return tf.maxPool(padHW(x, padding, -Infinity), kernel, stride, 'valid'); // [B, H', W', C]
  },
});
