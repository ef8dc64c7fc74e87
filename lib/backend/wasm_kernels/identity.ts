/**
 * Identity for wasm that shares its input's memory (a reference count, as tfjs's cpu backend and
 * wasm's own Reshape do) instead of copying it. The engine runs Identity to clone every tensor a
 * gradient saves for the backward pass, so tfjs-backend-wasm 4.22's copying Identity doubled the
 * activations a training step keeps (ResNet-50: 256 MB instead of about 100 MB per image) and spent
 * time copying them. Safe because no wasm kernel writes into its inputs (they all write to new outputs).
 * Strings go to wasm's own kernel (`builtin`).
 */
import type * as tf from '@tensorflow/tfjs';
import { wasmBackendOf } from './heap';

export function identityKernel(builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    if (x == null) throw new Error('wasm kernel Identity: input x is missing');
    if (x.dtype === 'string') return builtin(args);
    wasmBackendOf(args, 'Identity').incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
