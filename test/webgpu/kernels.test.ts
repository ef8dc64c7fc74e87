/**
 * The kit's webgpu kernels (lib/backend/webgpu_kernels/) against the cpu backend: PadV2 at ranks
 * 5 and 6 (tfjs's shader does not compile there) and below (tfjs's kernel, kept), and
 * Conv2DBackpropFilter (im2col + split-K matmul) over the convolution cases of the wasm kernel
 * tests, NCHW, a chunked run and split-K groups. Run by `npm run test:webgpu`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { setIm2colBudget, splitGroups } from '../../lib/backend/webgpu_kernels/conv2d_backprop_filter';
import { seededUniform, maxRelDiff } from '../backend/random';
import { CASES, dyShape, runBackpropFilter, type Case } from '../backend/conv_cases';

type Side = 'webgpu' | 'cpu';

async function on<T extends tf.Tensor>(backend: Side, f: () => T): Promise<Float32Array> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  return data;
}

test('PadV2 on webgpu equals cpu at ranks 2 to 6', async () => {
  const u = seededUniform(21);
  for (const shape of [
    [3, 4],
    [2, 3, 4],
    [2, 2, 3, 2],
    [2, 3, 2, 2, 3],
    [1, 2, 2, 3, 2, 2],
  ]) {
    const x = u(shape.reduce((a, b) => a * b));
    const pads = shape.map((_, i): [number, number] => [i % 2, (i + 1) % 3]);
    const f = (): tf.Tensor => tf.pad(tf.tensor(x, shape), pads, 1.5);
    const d = maxRelDiff(await on('webgpu', f), await on('cpu', f));
    assert.equal(d, 0, `rank ${shape.length}: webgpu vs cpu differ by ${d}`);
  }
});

async function compare(c: Case, seed: number, nchw = false): Promise<number> {
  const u = seededUniform(seed);
  const x = u(c.x.reduce((a, b) => a * b));
  const dy = u(dyShape(c).reduce((a, b) => a * b));
  return maxRelDiff(await on('webgpu', () => runBackpropFilter(c, x, dy, nchw)), await on('cpu', () => runBackpropFilter(c, x, dy)));
}

test('Conv2DBackpropFilter on webgpu equals cpu (strides 1/2/4, same/valid/explicit, filters 1..7, NCHW)', async () => {
  for (const [i, c] of CASES.entries()) {
    const d = await compare(c, 30 + i);
    assert.ok(d < 1e-4, `${JSON.stringify(c)}: webgpu vs cpu differ by ${d}`);
  }
  const d = await compare(CASES[1], 50, true);
  assert.ok(d < 1e-4, `NCHW: differs by ${d}`);
});

test('Conv2DBackpropFilter on webgpu: image chunks and split-K groups give the same sums', async () => {
  const stem: Case = {
    x: [6, 18, 18, 3],
    f: [7, 7, 3, 8],
    s: [2, 2],
    pad: [
      [0, 0],
      [3, 2],
      [3, 2],
      [0, 0],
    ],
  };
  assert.ok(splitGroups(6 * 9 * 9, 7 * 7 * 3, 8, 2 ** 27) > 1, 'the stem-like case should be split into groups');
  const old = setIm2colBudget(2 * 9 * 9 * 147 * 4); // two images per im2col block: three chunks
  try {
    for (const c of [stem, { ...CASES[0], x: [5, 7, 7, 3] as Case['x'] }]) {
      const d = await compare(c, 60);
      assert.ok(d < 1e-4, `${JSON.stringify(c)} in chunks: webgpu vs cpu differ by ${d}`);
    }
  } finally {
    setIm2colBudget(old);
  }
});

test('Conv2DBackpropFilter on webgpu rejects a dy that does not match the forward output', async () => {
  await initBackend('webgpu', { quiet: true });
  const attrs = { filterShape: [3, 3, 2, 4], strides: [2, 2], pad: 'same', dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
  assert.throws(
    () => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.zeros([1, 8, 8, 2]), dy: tf.zeros([1, 8, 8, 4]) }, attrs)),
    /Conv2DBackpropFilter: dy shape 1,8,8,4 does not match the forward output \[1,4,4,4\]/,
  );
});
