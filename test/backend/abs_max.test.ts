/**
 * abs_max (simd/heap_kernels.wat) and its JavaScript twin absMaxOf against a plain reference: the
 * largest |x|, NaN when any value is NaN (in the SIMD part or the tail), Infinity when any is
 * infinite and none NaN, 0 for no values; absMaxOnHeap reads a tensor in place and leaks nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { absMaxOf, absMaxOnHeap } from '../../lib/backend/wasm_kernels/abs_max';
import { heapKernels } from '../../lib/backend/wasm_kernels/simd';
import { seededUniform } from './random';

/** the largest |v|, NaN when any v is NaN */
function reference(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) return NaN;
    max = Math.max(max, Math.abs(values[i]));
  }
  return max;
}

function cases(): Array<[string, Float32Array]> {
  const u = seededUniform(5);
  const out: Array<[string, Float32Array]> = [['empty', new Float32Array(0)]];
  for (const n of [1, 2, 3, 4, 5, 7, 8, 33, 1001]) {
    const plain = u(n).map((v) => 3 * v - 1.5);
    out.push([`${n} values`, plain]);
    const negMax = plain.slice();
    negMax[n - 1] = -9; // the largest magnitude negative, in the tail when n % 4 != 0
    out.push([`${n} values, largest -9 last`, negMax]);
    for (const [what, special] of [
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      for (const at of new Set([0, Math.floor(n / 2), n - 1])) {
        const v = plain.slice();
        v[at] = special;
        out.push([`${n} values, ${what} at ${at}`, v]);
      }
    }
  }
  out.push(['-0 and 0', new Float32Array([-0, 0, -0, 0, -0])]);
  return out;
}

test('abs_max and absMaxOf give the largest |x|, NaN for any NaN, Infinity for any infinity, 0 for none', async () => {
  await initBackend('wasm', { quiet: true });
  const kernels = heapKernels();
  assert.ok(kernels, 'the heap kernels load on this Node');
  for (const [label, values] of cases()) {
    const want = reference(values);
    assert.ok(Object.is(absMaxOf(values), want), `${label}: absMaxOf ${absMaxOf(values)}, want ${want}`);
    const before = tf.memory().numTensors;
    const t = tf.tensor1d(values);
    const got = absMaxOnHeap(t);
    t.dispose();
    assert.equal(tf.memory().numTensors, before, `${label}: leaked a tensor`);
    assert.ok(Object.is(got, want), `${label}: abs_max ${got}, want ${want}`);
  }
});

test('absMaxOnHeap is undefined for a tensor that is not float32', async () => {
  await initBackend('wasm', { quiet: true });
  const t = tf.tensor1d([1, -5, 3], 'int32');
  assert.equal(absMaxOnHeap(t), undefined);
  t.dispose();
});
