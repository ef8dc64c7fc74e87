/**
 * The kit's wasm Transpose, Reverse and Slice (lib/backend/wasm_kernels/copy_kernels.ts) against
 * the cpu backend: ranks 1-6, merged and size-1 axes, int32 and bool data, contiguous and
 * non-contiguous slices; and stridedCopy itself against an index loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { stridedCopy, mergeAxes } from '../../lib/backend/wasm_kernels/strided_copy';
import { seededUniform } from './random';

type Op = (x: tf.Tensor) => tf.Tensor;

async function on(
  backend: 'wasm' | 'cpu',
  values: Float32Array | Int32Array,
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool',
  op: Op,
): Promise<{ data: ArrayLike<number>; shape: number[]; dtype: string }> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => op(dtype === 'bool' ? tf.tensor(values, shape, 'int32').greater(0) : tf.tensor(values, shape, dtype)));
  const r = { data: await out.data(), shape: out.shape, dtype: out.dtype };
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  return r;
}

async function sameAsCpu(label: string, shape: number[], op: Op, dtype: 'float32' | 'int32' | 'bool' = 'float32'): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = seededUniform(n + shape.length);
  const values = dtype === 'float32' ? u(n) : Int32Array.from(u(n, -100, 100), Math.round);
  const w = await on('wasm', values, shape, dtype, op);
  const c = await on('cpu', values, shape, dtype, op);
  assert.deepEqual(w.shape, c.shape, `${label}: shape`);
  assert.equal(w.dtype, c.dtype, `${label}: dtype`);
  assert.deepEqual(Array.from(w.data), Array.from(c.data), `${label}: values differ from cpu`);
}

test('Transpose on wasm equals cpu for ranks 2-6, with size-1 axes and int32/bool data', async () => {
  await sameAsCpu('rank 5 qkv split', [2, 7, 3, 2, 5], (x) => tf.transpose(x, [2, 0, 3, 1, 4]));
  await sameAsCpu('rank 5 with size-1 axis', [2, 1, 3, 4, 5], (x) => tf.transpose(x, [4, 3, 1, 0, 2]));
  await sameAsCpu('rank 6', [2, 3, 2, 3, 2, 4], (x) => tf.transpose(x, [5, 1, 3, 0, 4, 2]));
  await sameAsCpu('rank 5 merging to rank 3', [2, 3, 4, 5, 6], (x) => tf.transpose(x, [2, 3, 4, 0, 1]));
  await sameAsCpu('rank 5 int32', [3, 2, 4, 2, 3], (x) => tf.transpose(x, [1, 0, 4, 3, 2]), 'int32');
  await sameAsCpu('rank 5 bool', [3, 2, 4, 2, 3], (x) => tf.transpose(x, [1, 0, 4, 3, 2]), 'bool');
  await sameAsCpu('rank 4 (wasm builtin)', [3, 5, 6, 2], (x) => tf.transpose(x, [3, 1, 2, 0]));
  await sameAsCpu('rank 2', [40, 33], (x) => tf.transpose(x));
});

test('Reverse on wasm equals cpu over axes, ranks and dtypes', async () => {
  await sameAsCpu('filter flip', [3, 3, 4, 5], (x) => tf.reverse(x, [0, 1]));
  await sameAsCpu('last axis', [4, 7], (x) => tf.reverse(x, -1));
  await sameAsCpu('every axis rank 5', [2, 3, 2, 3, 2], (x) => tf.reverse(x, [0, 1, 2, 3, 4]));
  await sameAsCpu('rank 1 int32', [9], (x) => tf.reverse(x), 'int32');
  await sameAsCpu('bool middle axis', [3, 4, 2], (x) => tf.reverse(x, 1), 'bool');
});

test('Slice on wasm equals cpu for contiguous and strided-row slices', async () => {
  await sameAsCpu('crop of a 3-channel image', [2, 9, 9, 3], (x) => tf.slice(x, [0, 1, 0, 0], [-1, 7, 8, 3]));
  await sameAsCpu('channel slice', [2, 5, 6, 40], (x) => tf.slice(x, [1, 1, 2, 3], [1, 3, 3, 35]));
  await sameAsCpu('contiguous rows', [6, 10], (x) => tf.slice(x, [2, 0], [3, 10]));
  await sameAsCpu('rank 5', [2, 3, 4, 3, 5], (x) => tf.slice(x, [1, 0, 1, 1, 2], [1, 3, 2, 2, 3]));
  await sameAsCpu('rank 3 int32', [4, 5, 6], (x) => tf.slice(x, [1, 1, 1], [2, 3, 4]), 'int32');
  await sameAsCpu('empty', [4, 5], (x) => tf.slice(x, [1, 1], [0, 3]));
});

test('stridedCopy equals an index loop, for negative and merged strides', () => {
  const src = Float32Array.from({ length: 200 }, (_, i) => i);
  const shape = [2, 3, 4];
  const strides = [-60, 4, 1]; // last two axes merge (stride 4 = 1 * 4)
  const dst = new Float32Array(24);
  stridedCopy(src, 150, shape, strides, dst, 0);
  const want: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(150 - 60 * i + 4 * j + k);
  assert.deepEqual(Array.from(dst), want);
  assert.deepEqual(mergeAxes(shape, strides), { shape: [2, 12], src: [-60, 1], dst: [12, 1] });
  assert.deepEqual(mergeAxes([1, 5, 1, 3], [99, 3, 7, 1]), { shape: [15], src: [1], dst: [1] });
  // into the interior of a wider destination (Pad): rows of 4 at stride 6, not mergeable
  const wide = new Float32Array(4 * 6).fill(-1);
  stridedCopy(src, 0, [3, 4], [4, 1], wide, 7, [6, 1]);
  const expected = new Array<number>(24).fill(-1);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expected[7 + 6 * i + j] = 4 * i + j;
  assert.deepEqual(Array.from(wide), expected);
});

test('StridedSlice on wasm equals cpu: strides 2 and 3, negative strides, masks', async () => {
  await sameAsCpu('1x1 stride-2 pick', [2, 7, 7, 5], (x) => tf.stridedSlice(x, [0, 0, 0, 0], [2, 7, 7, 5], [1, 2, 2, 1]));
  await sameAsCpu('stride 3 with offset', [3, 10, 4], (x) => tf.stridedSlice(x, [1, 1, 0], [3, 10, 4], [1, 3, 2]));
  await sameAsCpu('negative stride', [4, 6], (x) => tf.stridedSlice(x, [3, 5], [0, 0], [-1, -2]));
  await sameAsCpu('begin/end masks', [4, 5, 6], (x) => tf.stridedSlice(x, [1, 0, 1], [0, 5, 6], [1, 2, 2], 0b100, 0b111));
  await sameAsCpu('int32', [4, 6, 3], (x) => tf.stridedSlice(x, [0, 1, 0], [4, 6, 3], [2, 2, 1]), 'int32');
});

test('StridedSlice on wasm with a shrink axis picks x[1, 0:5:2, 0:6:2] (tfjs-backend-cpu 4.22 gets this case wrong)', async () => {
  await initBackend('wasm', { quiet: true });
  const x = tf.tensor(
    Array.from({ length: 120 }, (_, i) => i),
    [4, 5, 6],
  );
  const y = tf.stridedSlice(x, [1, 0, 1], [0, 5, 6], [1, 2, 2], 0b100, 0b110, 0, 0, 0b001);
  assert.deepEqual(y.shape, [3, 3]);
  const want: number[] = [];
  for (const j of [0, 2, 4]) for (const k of [0, 2, 4]) want.push(30 + 6 * j + k);
  assert.deepEqual(Array.from(await y.data()), want);
  tf.dispose([x, y]);
});

test('PadV2 on wasm equals cpu: images, asymmetric pads, -inf and int32', async () => {
  await sameAsCpu('image pad 3', [2, 9, 9, 3], (x) =>
    tf.pad(x, [
      [0, 0],
      [3, 3],
      [3, 3],
      [0, 0],
    ]),
  );
  await sameAsCpu('asymmetric with value', [2, 5, 4], (x) =>
    tf.pad(
      x,
      [
        [1, 0],
        [0, 2],
        [3, 1],
      ],
      2.5,
    ),
  );
  await sameAsCpu('-inf (max pooling)', [1, 4, 4, 2], (x) =>
    tf.pad(
      x,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      -Infinity,
    ),
  );
  await sameAsCpu('int32 rank 1', [7], (x) => tf.pad(x, [[2, 3]], 4), 'int32');
});
