/**
 * flippedFilter (lib/backend/wasm_kernels/flipped_filter.ts), the filter of the stride-1 input
 * gradient: against its index definition, flipped[i, j, co, ci] = W[fh-1-i, fw-1-j, ci, co], on
 * shapes whose channel counts are not multiples of the copy's blocks, and with no tensor left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import type { WasmBackend } from '../../lib/backend/wasm_kernels/heap';
import { flippedFilter } from '../../lib/backend/wasm_kernels/flipped_filter';
import { seededUniform } from './random';

test("flippedFilter equals its index definition (blocks cut at the channels' ends, one tap, a 1 x 1 block)", async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(51);
  for (const shape of [
    [3, 2, 20, 35],
    [1, 1, 17, 16],
    [2, 3, 1, 1],
    [3, 3, 48, 32],
  ] as Array<[number, number, number, number]>) {
    const [fh, fw, ci, co] = shape;
    const values = u(fh * fw * ci * co);
    const before = tf.memory().numTensors;
    const w = tf.tensor4d(values, shape);
    const flipped = flippedFilter(tf.backend() as unknown as WasmBackend, w);
    assert.deepEqual(flipped.shape, [fh, fw, co, ci]);
    const got = await flipped.data();
    tf.dispose([w, flipped]);
    assert.equal(tf.memory().numTensors, before, 'no tensor left');
    let wrong = 0;
    for (let i = 0; i < fh; i++)
      for (let j = 0; j < fw; j++)
        for (let o = 0; o < co; o++)
          for (let c = 0; c < ci; c++) {
            const want = values[((fh - 1 - i) * fw + (fw - 1 - j)) * ci * co + c * co + o];
            if (got[((i * fw + j) * co + o) * ci + c] !== want) wrong++;
          }
    assert.equal(wrong, 0, `[${shape}]: values out of place`);
  }
});

test('flippedFilter refuses a filter that is not float32, naming its dtype', async () => {
  await initBackend('wasm', { quiet: true });
  const w = tf.zeros([3, 3, 2, 2], 'int32') as tf.Tensor4D;
  assert.throws(() => flippedFilter(tf.backend() as unknown as WasmBackend, w), /int32, expected float32/);
  w.dispose();
});
