/**
 * UnsortedSegmentSum for wasm (the gradient of gather): out[s, ...] = sum over i with
 * segmentIds[i] == s of x[i, ...], for s in [0, numSegments); ids outside that range are
 * dropped, as in TensorFlow's unsorted_segment_sum and tfjs's cpu kernel.
 *
 * Built on wasm's ScatterNd, which adds updates that share an index. Out-of-range ids are sent
 * to one extra row that is sliced off, so no index ever leaves the output buffer and nothing is
 * read back to JS.
 *
 * Source: TensorFlow's segment_reduction_ops.cc semantics; tfjs-core's unsortedSegmentSum op.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, check } from './kernel_tensors';

const NAME = 'UnsortedSegmentSum';

function unsortedSegmentSum({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  return tf.tidy(() => {
    const x = asTensor(inputs, 'x', NAME);
    const ids = asTensor(inputs, 'segmentIds', NAME);
    check(ids.dtype === 'int32', NAME, () => `segmentIds must be int32, got ${ids.dtype}`);
    check(Number.isInteger(numSegments) && numSegments >= 0, NAME, () => `numSegments must be a non-negative integer, got ${numSegments}`);
    check(
      ids.rank <= x.rank && ids.shape.every((d, i) => d === x.shape[i]),
      NAME,
      () => `segmentIds shape ${ids.shape} must be a prefix of x shape ${x.shape}`,
    );
    const rest = x.shape.slice(ids.rank);
    const m = ids.size;
    const flatIds = tf.reshape(ids, [m]); // [M]
    const inRange = tf.logicalAnd(tf.greaterEqual(flatIds, 0), tf.less(flatIds, numSegments)); // [M]
    const safeIds = tf.where(inRange, flatIds, tf.fill([m], numSegments, 'int32')); // [M]
    const updates = tf.reshape(x, [m, ...rest]); // [M, ...rest]
    const summed = tf.scatterND(tf.reshape(safeIds, [m, 1]), updates, [numSegments + 1, ...rest]); // [S+1, ...rest]
    return tf.slice(summed, 0, numSegments); // [S, ...rest]
  });
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
