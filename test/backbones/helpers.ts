/**
 * Shared helpers of the backbone tests: fixture paths, NCHW -> NHWC, and a max-error check
 * with the tolerance of the parity tests (1e-4, relative above 1e-3 as fixtures.closeTo).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readSafetensors, type NamedArray } from '../../lib/backbones/safetensors';
import { tf } from '../../lib/tf';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'backbones');

export function fixture(file: string): Map<string, NamedArray> {
  return readSafetensors(join(FIXTURES, file));
}

export function get(m: Map<string, NamedArray>, key: string): NamedArray {
  const t = m.get(key);
  if (!t) throw new Error(`fixture has no tensor "${key}"; has ${[...m.keys()].join(', ')}`);
  return t;
}

/** PyTorch NCHW images -> NHWC tensor. */
export function nhwc(t: NamedArray): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** Asserts |a - b| <= tol * max(1, |b|) elementwise, naming the worst element. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} values, expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${label}: element ${at} is ${actual[at]}, expected ${expected[at]} (error ${worst} > ${tol})`);
}
