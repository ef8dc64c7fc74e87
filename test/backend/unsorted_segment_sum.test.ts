/**
 * wasm UnsortedSegmentSum (lib/backend/wasm_kernels/unsorted_segment_sum.ts): against the cpu
 * backend and a loop sum, with repeated, negative and too-large ids, 1-D and 2-D ids, float32
 * and int32 data; gather's gradient (which is this kernel) against finite differences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seededUniform, maxRelDiff } from './random';

interface Case {
  xShape: number[];
  ids: number[];
  idsShape: number[];
  numSegments: number;
  dtype: 'float32' | 'int32';
}

const CASES: Case[] = [
  { xShape: [6, 3], ids: [0, 2, 2, 0, 1, 2], idsShape: [6], numSegments: 4, dtype: 'float32' }, // segment 3 empty
  { xShape: [5, 2, 3], ids: [4, -1, 1, 7, 1], idsShape: [5], numSegments: 5, dtype: 'float32' }, // -1 and 7 dropped
  { xShape: [2, 3, 4], ids: [1, 0, 1, 2, 2, 0], idsShape: [2, 3], numSegments: 3, dtype: 'float32' }, // 2-D ids
  { xShape: [4], ids: [1, 1, 0, 3], idsShape: [4], numSegments: 2, dtype: 'int32' },
];

/** out[s, j] = sum of x[i, j] over ids[i] == s, for 0 <= s < numSegments. */
function loopSum(x: ArrayLike<number>, c: Case): Float64Array {
  const inner = c.xShape.reduce((a, b) => a * b, 1) / c.ids.length;
  const out = new Float64Array(c.numSegments * inner);
  c.ids.forEach((s, i) => {
    if (s < 0 || s >= c.numSegments) return;
    for (let j = 0; j < inner; j++) out[s * inner + j] += x[i * inner + j];
  });
  return out;
}

async function segmentSum(
  backend: 'wasm' | 'cpu',
  c: Case,
  x: Float32Array | Int32Array,
): Promise<{ data: Float32Array | Int32Array; shape: number[]; dtype: string }> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() =>
    tf.unsortedSegmentSum(
      tf.tensor(x, c.xShape, c.dtype),
      tf.tensor(c.ids, c.idsShape, 'int32') as tf.Tensor as tf.Tensor1D,
      c.numSegments,
    ),
  );
  const data = (await out.data()) as Float32Array | Int32Array;
  const res = { data, shape: out.shape, dtype: out.dtype };
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  return res;
}

test('UnsortedSegmentSum on wasm equals the cpu backend and a loop sum', async () => {
  const u = seededUniform(21);
  for (const c of CASES) {
    const size = c.xShape.reduce((a, b) => a * b, 1);
    const x = c.dtype === 'int32' ? Int32Array.from(u(size, -50, 50), Math.round) : u(size);
    const wasm = await segmentSum('wasm', c, x);
    assert.deepEqual(wasm.shape, [c.numSegments, ...c.xShape.slice(c.idsShape.length)]);
    assert.equal(wasm.dtype, c.dtype);
    if (c.idsShape.length === 1) {
      // tfjs 4.22's cpu kernel fails on 2-D ids (broadcast error); the loop covers them
      const cpu = await segmentSum('cpu', c, x);
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.ok(maxRelDiff(wasm.data, cpu.data) < 1e-5, `${JSON.stringify(c)}: wasm vs cpu`);
    }
    assert.ok(maxRelDiff(wasm.data, loopSum(x, c)) < 1e-5, `${JSON.stringify(c)}: wasm vs loop`);
  }
});

test('gather gradient on wasm (UnsortedSegmentSum) matches finite differences', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(22);
  const pShape = [5, 3, 4];
  for (const [axis, idx] of [
    [0, [4, 1, 1, 0, 4, 4]],
    [1, [2, 0, 2]],
    [2, [3, 3, 1]],
  ] as Array<[number, number[]]>) {
    const p = u(60);
    const outShape = pShape.slice();
    outShape[axis] = idx.length;
    const r = u(outShape.reduce((a, b) => a * b, 1));
    const before = tf.memory().numTensors;
    const g = tf.tidy(() =>
      tf.grad((pt: tf.Tensor) => tf.sum(tf.mul(tf.gather(pt, tf.tensor1d(idx, 'int32'), axis), tf.tensor(r, outShape))))(
        tf.tensor(p, pShape),
      ),
    );
    const got = (await g.data()) as Float32Array;
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
    // loss(p) = sum_k r[k] * p[gathered k], evaluated in float64
    const strides = [12, 4, 1];
    const loss = (p64: Float64Array): number => {
      let acc = 0;
      let k = 0;
      const dims = outShape;
      for (let a = 0; a < dims[0]; a++)
        for (let b = 0; b < dims[1]; b++)
          for (let c = 0; c < dims[2]; c++) {
            const at = [a, b, c];
            at[axis] = idx[at[axis]];
            acc += r[k++] * p64[at[0] * strides[0] + at[1] * strides[1] + at[2] * strides[2]];
          }
      return acc;
    };
    const eps = 1e-3;
    const fd = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const pp = Float64Array.from(p);
      pp[i] += eps;
      const pm = Float64Array.from(p);
      pm[i] -= eps;
      fd[i] = (loss(pp) - loss(pm)) / (2 * eps);
    }
    const d = maxRelDiff(got, fd);
    assert.ok(d < 1e-4, `axis ${axis}: gather gradient vs finite differences differ by ${d}`);
  }
});

test('d/dx of unsortedSegmentSum on wasm matches finite differences', async () => {
  await initBackend('wasm', { quiet: true });
  const u = seededUniform(23);
  // tfjs's gradient (gather) drops negative ids but would index past the end for ids >= numSegments
  const c: Case = { xShape: [5, 2, 3], ids: [4, -1, 1, 3, 1], idsShape: [5], numSegments: 5, dtype: 'float32' };
  const x = u(30);
  const r = u(c.numSegments * 6);
  const g = tf.tidy(() =>
    tf.grad((xt: tf.Tensor) =>
      tf.sum(tf.mul(tf.unsortedSegmentSum(xt, tf.tensor1d(c.ids, 'int32'), c.numSegments), tf.tensor(r, [c.numSegments, 2, 3]))),
    )(tf.tensor(x, c.xShape)),
  );
  const got = (await g.data()) as Float32Array;
  g.dispose();
  const loss = (x64: Float64Array): number => loopSum(x64, c).reduce((a, v, i) => a + v * r[i], 0);
  const eps = 1e-3;
  const fd = Array.from(x, (_, i) => {
    const xp = Float64Array.from(x);
    xp[i] += eps;
    const xm = Float64Array.from(x);
    xm[i] -= eps;
    return (loss(xp) - loss(xm)) / (2 * eps);
  });
  assert.ok(maxRelDiff(got, fd) < 1e-4);
});

test('UnsortedSegmentSum on wasm rejects ids whose shape is not a prefix of x', async () => {
  await initBackend('wasm', { quiet: true });
  assert.throws(
    () =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel('UnsortedSegmentSum', { x: tf.zeros([4, 2]), segmentIds: tf.tensor1d([0, 1, 0], 'int32') }, { numSegments: 2 }),
      ),
    /UnsortedSegmentSum: segmentIds shape 3 must be a prefix of x shape 4,2/,
  );
});
