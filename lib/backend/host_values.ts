/**
 * Host (CPU) copies of small immutable tensors whose values synchronous code needs, such as the
 * labels a loss indexes with while it runs inside a gradient tape (which cannot await).
 *
 * WebGPU under Node cannot read a tensor synchronously (tfjs reads through OffscreenCanvas,
 * which Node lacks). So the training step reads its batch labels asynchronously before the tape
 * (`readToHost`) and the losses take that copy (`hostValues`). A tensor without a copy is read
 * synchronously only on backends that can (cpu, wasm, tensorflow: notebooks and tests calling a
 * loss directly); on webgpu that is an error naming the fix. This file holds the one synchronous
 * read in lib/ (test/backend/async_reads.test.ts checks that, and that training and evaluation
 * never reach it).
 */
import * as tf from '@tensorflow/tfjs';

type Values = tf.TypedArray;

const copies = new WeakMap<tf.Tensor, Values>();
const SYNC_READ_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/** Reads `t` asynchronously and remembers the copy for hostValues. Variables are refused (they change). */
export async function readToHost(t: tf.Tensor): Promise<Values> {
  if (t instanceof tf.Variable) throw new Error(`readToHost: ${t.name} is a variable; its values change, so no host copy is kept`);
  const known = copies.get(t);
  if (known) return known;
  const values = (await t.data()) as Values;
  copies.set(t, values);
  return values;
}

/** Whether the active backend can read tensors synchronously. */
export function canReadSync(): boolean {
  return SYNC_READ_BACKENDS.has(tf.getBackend());
}

/**
 * The values of `t` on the host: the copy readToHost made, else a synchronous read where the
 * backend allows one. `where` names the caller in the error.
 */
export function hostValues(t: tf.Tensor, where: string): Values {
  const known = copies.get(t);
  if (known) return known;
  if (!canReadSync()) {
    throw new Error(
      `${where}: needs the values of a [${t.shape.join(', ')}] ${t.dtype} tensor on the CPU, and the ` +
        `${tf.getBackend()} backend cannot read synchronously; \`await readToHost(tensor)\` (lib/backend/host_values.ts) ` +
        'before calling it (the training step does this for batch labels)',
    );
  }
  return t.dataSync() as Values;
}
