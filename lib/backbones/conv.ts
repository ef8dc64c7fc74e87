/**
 * Convolution and max pooling with PyTorch's symmetric zero padding made explicit.
 *
 * tfjs 'same' padding puts the odd extra row/column at the bottom/right for strided layers,
 * whereas torch.nn.Conv2d(padding=p) pads p on every side; tfjs's explicit padding
 * [[0, 0], [p, p], [p, p], [0, 0]] (numeric p for pooling) reproduces PyTorch exactly
 * (torchvision resnet.py: conv3x3 padding=1, conv1 padding=3, MaxPool2d(3, 2, padding=1),
 * whose padded cells never win). No padded copy of the input is made, nor kept for the backward pass.
 */
import { tf } from '../tf';

function explicitPad(p: number): 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  return p > 0
    ? [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ]
    : 'valid';
}

/**
 * torch Conv2d(stride, padding) on NHWC input with HWIO kernel; optional bias [O].
 * Its gradient is tfjs's (the Conv2DBackpropInput and Conv2DBackpropFilter kernels) except that
 * the incoming dy is freed once both are computed (tfjs's tape keeps every dy to the end of the
 * backward pass), so a dy of your own passed to tf.grad for this op's output would be freed too.
 * `inputGradient: false` (a first layer on images) skips dL/dx, returning zeros.
 */
export const conv2dTorch = tf.op({
  conv2dTorch_(
    x: tf.Tensor4D,
    kernel: tf.Tensor4D,
    bias: tf.Tensor1D | null,
    stride: number,
    padding: number,
    inputGradient = true,
  ): tf.Tensor4D {
    const pad = explicitPad(padding);
    const conv = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, k] = args as tf.Tensor4D[];
      (args[2] as tf.GradSaveFunc)([xi, k]);
      return {
        value: tf.conv2d(xi, k, stride, pad), // [B, H', W', O]
        gradFunc: (dy: tf.Tensor, [sx, sk]: tf.Tensor[]) => {
          const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC' };
          const grads = tf.tidy(() => [
            inputGradient
              ? (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: sk }, {
                  ...attrs,
                  inputShape: sx.shape,
                } as unknown as tf.NamedAttrMap) as tf.Tensor)
              : tf.zerosLike(sx),
            tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy }, {
              ...attrs,
              filterShape: sk.shape,
            } as unknown as tf.NamedAttrMap) as tf.Tensor,
          ]);
          dy.dispose(); // only this node reads it
          return grads;
        },
      };
    });
    const y = conv(x, kernel) as tf.Tensor4D; // [B, H', W', O]
    return bias ? tf.add(y, bias) : y;
  },
});

/** torch MaxPool2d(kernel, stride, padding): padded cells never win (as -inf). */
export const maxPool2dTorch = tf.op({
  maxPool2dTorch_(x: tf.Tensor4D, kernel: number, stride: number, padding: number): tf.Tensor4D {
    return tf.maxPool(x, kernel, stride, padding > 0 ? padding : 'valid'); // [B, H', W', C]
  },
});
