/**
 * SharedFloats (lib/train/parallel/shared_floats.ts): consecutive views of the asked sizes over one
 * SharedArrayBuffer, the same memory again while it is large enough, a larger buffer when not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedFloats } from '../../lib/train/parallel/shared_floats';

test('SharedFloats: consecutive views, reused while large enough, grown when not', () => {
  const floats = new SharedFloats();
  const [a, b, empty, c] = floats.views([3, 2, 0, 4]);
  assert.deepEqual([a.length, b.length, empty.length, c.length], [3, 2, 0, 4]);
  assert.ok(a.buffer instanceof SharedArrayBuffer, 'not a SharedArrayBuffer');
  assert.deepEqual([a.byteOffset, b.byteOffset, c.byteOffset], [0, 12, 20]);
  assert.ok(a.buffer === b.buffer && b.buffer === c.buffer, 'views over different buffers');
  c.set([1, 2, 3, 4]);
  const [again] = floats.views([9]);
  assert.equal(again.buffer, a.buffer, 'a buffer large enough was not reused');
  assert.deepEqual(Array.from(again.subarray(5)), [1, 2, 3, 4]);
  const [bigger] = floats.views([10]);
  assert.notEqual(bigger.buffer, a.buffer, 'a buffer too small was reused');
  assert.equal(bigger.length, 10);
});
