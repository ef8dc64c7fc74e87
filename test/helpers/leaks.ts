/**
 * Leak helper: runs `step` once as a warm-up (optimizer slots, caches), then `steps` more
 * times, and asserts tf.memory().numTensors is the same after every step as after the warm-up.
 * Returns what each step returned, so a test can also check the loss went down.
 */
import assert from 'node:assert/strict';
import { tf } from '../../lib/tf';

export async function assertNoTensorLeak<T>(label: string, step: (i: number) => T | Promise<T>, steps = 20): Promise<T[]> {
  const results: T[] = [await step(-1)];
  const baseline = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) {
    results.push(await step(i));
    const now = tf.memory().numTensors;
    assert.equal(now, baseline, `${label}: step ${i} left ${now - baseline} tensor(s) alive (baseline ${baseline})`);
  }
  return results;
}
