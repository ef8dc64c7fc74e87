/**
 * Helpers for kernels that are composed from other kernels of the active backend.
 *
 * A kernelFunc receives TensorInfo inputs (the engine passes its Tensors). Composing ops
 * through the engine inside `tf.tidy` keeps every intermediate on the wasm heap and frees it
 * when the kernel returns; the engine does not tape ops run inside a kernel (kernelDepth > 0),
 * so gradients see only the outer kernel. A kernel may return a Tensor: the engine keeps it
 * as the output as is (engine.ts, `outInfo.rank != null`).
 *
 * tfjs is imported directly here, not through lib/tf.ts: lib/backend/select.ts imports this
 * folder, so going through lib/tf.ts would be a circular import.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The Tensor behind kernel input `name`; a new handle (freed by the enclosing tidy) if it is a
 * bare TensorInfo. Throws naming the kernel and input when it is missing.
 */
export function asTensor(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.Tensor {
  const info = inputs[name];
  if (info == null) throw new Error(`wasm kernel ${kernel}: input '${name}' is missing (got ${Object.keys(inputs).join(', ') || 'none'})`);
  if (info instanceof tf.Tensor) return info;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Throws a clear error naming the kernel when a condition on its inputs fails. */
export function check(cond: boolean, kernel: string, message: () => string): void {
  if (!cond) throw new Error(`wasm kernel ${kernel}: ${message()}`);
}

/** Inserts `stride - 1` zeros between neighbours along `axis`: length n becomes (n-1)*stride+1. */
export function insertZeros(t: tf.Tensor, axis: number, stride: number): tf.Tensor {
  const n = t.shape[axis];
  if (stride === 1 || n === 0) return t;
  const spread = tf.expandDims(t, axis + 1); // [..., n, 1, ...]
  const pads = spread.shape.map((_, i): [number, number] => (i === axis + 1 ? [0, stride - 1] : [0, 0]));
  const shape = t.shape.slice();
  shape[axis] = n * stride;
  const wide = tf.reshape(tf.pad(spread, pads), shape); // [..., n*stride, ...]
  const size = wide.shape.map((d, i) => (i === axis ? (n - 1) * stride + 1 : d));
  return tf.slice(
    wide,
    wide.shape.map(() => 0),
    size,
  ); // [..., (n-1)*stride+1, ...]
}
