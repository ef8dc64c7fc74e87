/** Input checks shared by the expansion and the losses; errors name the function and the value. */
import type { tf } from '../tf';
import { hostValues } from '../backend/host_values';

/**
 * labels as Int32Array after checking dtype, rank, length and range [0, numClasses). Reads the
 * host copy the training step made (readToHost), else reads synchronously where the backend can.
 */
export function readLabels(labels: tf.Tensor, batchSize: number, numClasses: number, where: string): Int32Array {
  if (labels.dtype !== 'int32') throw new Error(`${where}: labels must be int32, got ${labels.dtype}`);
  if (labels.rank !== 1 || labels.shape[0] !== batchSize) {
    throw new Error(`${where}: labels must have shape [${batchSize}], got [${labels.shape.join(', ')}]`);
  }
  const values = hostValues(labels, where) as Int32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v >= numClasses) {
      throw new Error(`${where}: label ${v} at index ${i} is outside [0, ${numClasses})`);
    }
  }
  return values;
}

export function assertRank2(x: tf.Tensor, name: string, where: string): [number, number] {
  if (x.rank !== 2) throw new Error(`${where}: ${name} must be 2-D [rows, dim], got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new Error(`${where}: ${name} must be float32, got ${x.dtype}`);
  return [x.shape[0] as number, x.shape[1] as number];
}

/** A NaN or infinite input (the training loop treats it as a non-finite step). */
export class NonFiniteValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteValueError';
  }
}

/** Throws NonFiniteValueError when any value is NaN or Inf (index names the first bad row). */
export function assertFiniteRows(values: ArrayLike<number>, name: string, where: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new NonFiniteValueError(`${where}: ${name} row ${i} contains NaN or Inf`);
  }
}
