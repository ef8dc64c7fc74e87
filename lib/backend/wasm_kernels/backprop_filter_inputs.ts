/**
 * The inputs of a Conv2DBackpropFilter kernel as both the wasm and the webgpu kernels use them:
 * x and dy in NHWC (transposed from NCHW), checked against the filter shape and the forward
 * output that tfjs-core's conv2DBackpropFilter attrs describe. Call inside a tidy (transposes).
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, check } from './kernel_tensors';

const NAME = 'Conv2DBackpropFilter';

export interface BackpropFilterInputs {
  x: tf.Tensor4D; // [N, H, W, Ci]
  dy: tf.Tensor4D; // [N, Ho, Wo, Co]
  info: tf.backend_util.Conv2DInfo;
  filterShape: [number, number, number, number];
}

export function backpropFilterInputs(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined): BackpropFilterInputs {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  let x = asTensor(inputs, 'x', NAME) as tf.Tensor4D;
  let dy = asTensor(inputs, 'dy', NAME) as tf.Tensor4D;
  if (dataFormat === 'NCHW') {
    x = tf.transpose(x, [0, 2, 3, 1]); // [N, H, W, Ci]
    dy = tf.transpose(dy, [0, 2, 3, 1]); // [N, Ho, Wo, Co]
  }
  check(x.rank === 4 && dy.rank === 4, NAME, () => `x and dy must be rank 4, got ${x.shape} and ${dy.shape}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [, , ci, co] = filterShape;
  check(x.shape[3] === ci, NAME, () => `x has ${x.shape[3]} channels, filterShape ${filterShape} expects ${ci}`);
  check(
    dy.shape[0] === x.shape[0] && dy.shape[1] === info.outHeight && dy.shape[2] === info.outWidth && dy.shape[3] === co,
    NAME,
    () => `dy shape ${dy.shape} does not match the forward output [${x.shape[0]},${info.outHeight},${info.outWidth},${co}]`,
  );
  return { x, dy, info, filterShape: filterShape as [number, number, number, number] };
}
