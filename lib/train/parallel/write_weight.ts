/**
 * New values for a training worker's weight (train_worker.ts, on every push of the main thread's
 * weights): written in place on the wasm heap when the variable alone holds its memory, else as a
 * new tensor assigned to it. After a step no clone, reshape or saved tensor of the tape shares a
 * weight's memory, so the in-place write is the usual path; it spares a tensor and an assign per
 * weight, about 1 ms of each demo step on two workers (a script outside the repository, 400 steps of
 * warm-up, medians of 100: 33.1 / 33.6 against 34.5 / 34.2 ms, 2026-12-02). Where the memory is
 * shared the write would change the other tensors too, so those get the assign.
 */
import { tf } from '../../tf';
import { heapValues, holdsMemoryAlone, type WasmBackend } from '../../backend/wasm_kernels/heap';

/** Whether the write went in place (`true`) or through a new tensor (`false`). */
export function writeWeight(v: tf.Variable, values: Float32Array): boolean {
  if (values.length !== v.size)
    throw new Error(`writeWeight: ${values.length} values for weight ${v.name} of shape [${v.shape}] (${v.size} values)`);
  const heap = heapValues(v);
  if (heap && holdsMemoryAlone(tf.backend() as unknown as WasmBackend, v)) {
    heap.set(values);
    return true;
  }
  tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
  return false;
}
