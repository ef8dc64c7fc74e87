/**
 * Unpack (tf.unstack) for wasm when every output is one contiguous block of the input (the axis
 * is 0, or every axis before it has size 1): one memory copy per output. tfjs-backend-wasm 4.22
 * runs each output through its generic Slice, which took 15 ms per unstack of ViT-S's
 * [3, 8, 6, 197, 64] queries/keys/values here (5% of an inference). Other cases and non-numeric
 * data go to wasm's own kernel (`builtin`).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, BYTES, wasmBackendOf } from './heap';

export function unpackKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { value } = args.inputs;
    if (value == null) throw new Error('wasm kernel Unpack: input value is missing');
    const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.UnpackAttrs).axis, value.shape)[0];
    const bytes = BYTES[value.dtype];
    const contiguous = value.shape.slice(0, axis).every((d) => d === 1);
    if (!contiguous || bytes === undefined) return builtin(args);
    const backend = wasmBackendOf(args, 'Unpack');
    const shape = value.shape.filter((_, i) => i !== axis);
    const block = shape.reduce((a, b) => a * b, 1) * bytes;
    const outputs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]; i++) outputs.push(backend.makeOutput(shape, value.dtype));
    // addresses after the last allocation (makeOutput can grow the heap)
    const heap = backend.wasm.HEAPU8;
    const from = addressOf(backend, value);
    outputs.forEach((o, i) => heap.copyWithin(addressOf(backend, o), from + i * block, from + (i + 1) * block));
    return outputs;
  };
}
