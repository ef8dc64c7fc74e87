/**
 * Convolution and max pooling with PyTorch's symmetric zero padding made explicit.
 *
 * tfjs 'same' padding puts the odd extra row/column at the bottom/right for strided layers,
 * whereas torch.nn.Conv2d(padding=p) pads p on every side; tfjs's explicit padding
 * [[0, 0], [p, p], [p, p], [0, 0]] (numeric p for pooling) reproduces PyTorch exactly
 * (torchvision resnet.py: conv3x3 padding=1, conv1 padding=3, MaxPool2d(3, 2, padding=1),
 * whose padded cells never win). No padded copy of the input is made, nor kept for the backward pass.
 */
import { conv2dBackpropInputOnto } from '../backend/wasm_kernels/conv2d_backprop_input';
import { tf } from '../tf';
import type { GradientHandoff } from './gradient_handoff';

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
 * `inputGradient: false` (a first layer on images) skips dL/dx, returning zeros; the gradient given
 * to `addInputGradientFrom`, if any, is added onto dL/dx (gradient_handoff.ts).
 */
export const conv2dTorch = tf.op({
  conv2dTorch_(
    x: tf.Tensor4D,
    kernel: tf.Tensor4D,
    bias: tf.Tensor1D | null,
    stride: number,
    padding: number,
    inputGradient = true,
    addInputGradientFrom?: GradientHandoff,
  ): tf.Tensor4D {
    const pad = explicitPad(padding);
    const conv = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, k] = args as tf.Tensor4D[];
      (args[2] as tf.GradSaveFunc)([xi, k]);
      return {
        value: tf.conv2d(xi, k, stride, pad), // [B, H', W', O]
        gradFunc: (dy: tf.Tensor, [sx, sk]: tf.Tensor[]) => {
          const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC' } as const;
          const dk = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy }, {
            ...attrs,
            filterShape: sk.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor; // [fh, fw, I, O]
          const dx = inputGradient
            ? inputGradientAdding(
                dy as tf.Tensor4D,
                sk as tf.Tensor4D,
                { ...attrs, inputShape: sx.shape as number[] },
                addInputGradientFrom?.take(),
              )
            : tf.zerosLike(sx); // [B, H, W, I]
          dy.dispose(); // only this node reads it
          return [dx, dk];
        },
      };
    });
    const y = conv(x, kernel) as tf.Tensor4D; // [B, H', W', O]
    return bias ? tf.add(y, bias) : y;
  },
});

/** dL/dx [B, H, W, I] of the convolution, plus `handed` (owned by this call) when given: written onto it where the wasm kernel can. */
function inputGradientAdding(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: { strides: readonly [number, number]; pad: ReturnType<typeof explicitPad>; dataFormat: 'NHWC'; inputShape: number[] },
  handed: tf.Tensor | undefined,
): tf.Tensor {
  const kernelAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const own = (): tf.Tensor =>
    tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, kernelAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  if (!handed) return own();
  const onto = conv2dBackpropInputOnto(dy, filter, kernelAttrs, handed as tf.Tensor4D);
  if (onto) return onto;
  const dx = own();
  const sum = tf.add(dx, handed);
  tf.dispose([dx, handed]);
  return sum;
}

/** torch MaxPool2d(kernel, stride, padding): padded cells never win (as -inf). */
export const maxPool2dTorch = tf.op({
  maxPool2dTorch_(x: tf.Tensor4D, kernel: number, stride: number, padding: number): tf.Tensor4D {
    return tf.maxPool(x, kernel, stride, padding > 0 ? padding : 'valid'); // [B, H', W', C]
  },
});
