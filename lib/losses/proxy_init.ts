/**
 * Proxy initialisation as the official code: `nn.init.kaiming_normal_(proxies, mode='fan_out')`
 * on a [C, D] tensor: fan_out = C, gain sqrt(2) -> N(0, 2 / C); and Normalized Softmax's
 * `kaiming_uniform_(a=sqrt(5))`: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = size(1).
 */
import { tf } from '../tf';
import { SeededRandom } from '../random';

function checkShape(rows: number, cols: number, where: string): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new Error(`${where}: shape must be positive integers, got [${rows}, ${cols}]`);
  }
}

/** [rows, cols] Kaiming-normal (fan_out = rows) values, a fresh trainable variable. */
export function kaimingNormalFanOut(rows: number, cols: number, seed: number, name?: string): tf.Variable<tf.Rank.R2> {
  checkShape(rows, cols, 'kaimingNormalFanOut');
  const std = Math.sqrt(2 / rows);
  const random = new SeededRandom(seed);
  const values = random.fillNormal(new Float32Array(rows * cols));
  for (let i = 0; i < values.length; i++) values[i] *= std;
  return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols]), true, name));
}

/** [rows, cols] with torch's default `kaiming_uniform_(a=sqrt(5))`: bound 1/sqrt(cols). */
export function kaimingUniformDefault(rows: number, cols: number, seed: number, name?: string): tf.Variable<tf.Rank.R2> {
  checkShape(rows, cols, 'kaimingUniformDefault');
  const bound = 1 / Math.sqrt(cols);
  const random = new SeededRandom(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random.uniform() - 1) * bound;
  return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols]), true, name));
}

let counter = 0;
/** a unique variable name per loss instance (tfjs variable names must be unique) */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${Date.now().toString(36)}`;
}
