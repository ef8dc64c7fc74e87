/**
 * Conv2D on wasm (lib/backend/wasm_kernels/conv2d.ts): which convolutions take the kit's matrix
 * product, and the forward output of every shared convolution case (strides, SAME / VALID / explicit
 * and asymmetric pads, pads wider than the filter, even filters, 1x1 with and without padding, the ViT
 * patch embedding) against a float64 loop, also with the patch matrix built one image and one output row at a time; no
 * tensor or heap buffer left behind. (wasm's own Conv2D, which the others go to, refuses NCHW.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { builtinWasmKernel } from '../../lib/backend/wasm_kernels';
import { conv2dKernel, isPointwiseProduct, runsOnKitProduct } from '../../lib/backend/wasm_kernels/conv2d';
import { CASES, convLoop, padsOf, type Case } from './conv_cases';
import {
  firstRow,
  L2_PATCH,
  largestRows,
  patchChunks,
  rowsOf,
  type PatchChunk,
  type PatchGeometry,
} from '../../lib/backend/wasm_kernels/im2col';
import { maxRelDiff, seededUniform } from './random';

const info = (shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo => ({ dataId: {}, shape, dtype });
const ATTRS: tf.Conv2DAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };

test('routing: float32 NHWC undilated convolutions on the kit product; 1x1 stride 1 unpadded ones without a patch matrix', () => {
  const x = info([2, 5, 5, 4]);
  const f = info([1, 1, 4, 3]);
  const zeros: tf.Conv2DAttrs['pad'] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  const one: tf.Conv2DAttrs['pad'] = [
    [0, 0],
    [1, 1],
    [0, 0],
    [0, 0],
  ];
  assert.equal(isPointwiseProduct(x, f, ATTRS), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: 'valid', strides: 1, dilations: 1 }), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: zeros }), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: 0 }), true);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: one }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, pad: 1 }), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, strides: [1, 2] }), false);
  assert.equal(isPointwiseProduct(x, info([3, 3, 4, 3]), ATTRS), false);
  assert.equal(isPointwiseProduct(x, info([1, 3, 4, 3]), ATTRS), false);
  assert.equal(runsOnKitProduct(x, info([3, 3, 4, 3]), { ...ATTRS, strides: [2, 2], pad: one }), true);
  assert.equal(runsOnKitProduct(x, f, { ...ATTRS, dilations: [2, 2] }), false);
  assert.equal(runsOnKitProduct(x, f, { ...ATTRS, dilations: 2 }), false);
  assert.equal(runsOnKitProduct(x, f, { ...ATTRS, dataFormat: 'NCHW' }), false);
  assert.equal(runsOnKitProduct(info([2, 5, 5, 4], 'int32'), f, ATTRS), false);
  assert.equal(isPointwiseProduct(x, f, { ...ATTRS, dataFormat: 'NCHW' }), false);
});

/** the case's Conv2D on wasm through `kernel` (default: the registered one), as float32 */
async function wasmConv(c: Case, x: Float32Array, w: Float32Array, maxPatch?: number): Promise<Float32Array> {
  await initBackend('wasm', { quiet: true });
  const tensors = tf.memory().numTensors;
  const buffers = tf.backend().numDataIds();
  const xt = tf.tensor4d(x, c.x);
  const wt = tf.tensor4d(w, c.f);
  const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
  let y: tf.Tensor;
  if (maxPatch === undefined) {
    y = tf.engine().runKernel('Conv2D', { x: xt, filter: wt }, attrs) as tf.Tensor;
  } else {
    const kernel = conv2dKernel(builtinWasmKernel('Conv2D').kernelFunc, maxPatch);
    y = tf.engine().makeTensorFromTensorInfo(kernel({ inputs: { x: xt, filter: wt }, attrs, backend: tf.backend() }) as tf.TensorInfo);
  }
  const out = (await y.data()) as Float32Array;
  tf.dispose([xt, wt, y]);
  assert.equal(tf.memory().numTensors, tensors, `${JSON.stringify(c)}: leaked tensors`);
  assert.equal(tf.backend().numDataIds(), buffers, `${JSON.stringify(c)}: a heap buffer (patch matrix) was not freed`);
  return out;
}

test('Conv2D on wasm equals the float64 loop on every convolution case, also one image and one output row of patches at a time', async () => {
  const u = seededUniform(52);
  const cases: Case[] = [...CASES, { x: [3, 6, 7, 5], f: [3, 3, 5, 10], s: [1, 1], pad: 'same' }];
  for (const c of cases) {
    const x = u(c.x.reduce((a, b) => a * b, 1));
    const w = u(c.f.reduce((a, b) => a * b, 1));
    const { top, left, oh, ow } = padsOf(c);
    const expected = convLoop(Float64Array.from(x), c.x, Float64Array.from(w), c.f, c.s, top, left, oh, ow);
    const perImage = oh * ow * c.f[0] * c.f[1] * c.f[2];
    // the default parts, one image at a time, one output row at a time (bands of one image)
    for (const maxPatch of [undefined, perImage, ow * c.f[0] * c.f[1] * c.f[2]]) {
      const got = await wasmConv(c, x, w, maxPatch);
      const d = maxRelDiff(got, expected);
      assert.ok(d < 1e-5, `${JSON.stringify(c)} (patch ${maxPatch ?? 'default'}): differs from the loop by ${d}`);
    }
  }
});

/** the geometry of a k x k convolution of stride s with `pad` rows/columns of padding on top/left */
function geometry(fh: number, s: number, pad: number, outHeight: number, outWidth: number): PatchGeometry {
  return { fh, fw: fh, sh: s, sw: s, top: pad, left: pad, outHeight, outWidth };
}

test('patchChunks: whole images within max(L2_PATCH, matrices * k * co) floats, else bands of one image; every output row once, in order', () => {
  const rowsIn = (chunks: PatchChunk[], g: PatchGeometry) => chunks.reduce((a, c) => a + rowsOf(c, g), 0);
  const contiguous = (chunks: PatchChunk[], g: PatchGeometry) =>
    chunks.every((c, i) => i === 0 || firstRow(c, g) === firstRow(chunks[i - 1], g) + rowsOf(chunks[i - 1], g));
  // the demo's stem: 16 x 16 outputs of 147 values an image, filter [147, 16]: the L2 budget holds 6 images
  const stem = geometry(7, 2, 3, 16, 16);
  const demo = patchChunks(90, stem, 3, 16, 1 << 22, 2);
  assert.equal(demo.length, 15);
  assert.deepEqual(demo[0], { n0: 0, count: Math.floor(L2_PATCH / (256 * 147)), oy0: 0, oy1: 16 });
  assert.equal(rowsIn(demo, stem), 90 * 256);
  assert.ok(contiguous(demo, stem));
  // a large filter raises the budget: [2304, 256] twice is 1,179,648 floats, 2 images of 196 x 2304
  const deep = geometry(3, 1, 1, 14, 14);
  assert.deepEqual(
    patchChunks(8, deep, 256, 256, 1 << 22, 2).map((c) => c.count),
    [2, 2, 2, 2],
  );
  assert.deepEqual(
    patchChunks(8, deep, 256, 256, 1 << 25, 8).map((c) => c.count),
    [8],
    'at most the batch',
  );
  // ResNet-50's stem at 224 px: one image (112 x 112 x 147 floats) is over the budget: bands of 15 rows
  const r50 = geometry(7, 2, 3, 112, 112);
  const bands = patchChunks(2, r50, 3, 64, 1 << 22, 2);
  assert.deepEqual(bands.slice(0, 2), [
    { n0: 0, count: 1, oy0: 0, oy1: 15 },
    { n0: 0, count: 1, oy0: 15, oy1: 30 },
  ]);
  assert.deepEqual(bands[7], { n0: 0, count: 1, oy0: 105, oy1: 112 });
  assert.equal(bands.length, 16);
  assert.equal(rowsIn(bands, r50), 2 * 112 * 112);
  assert.ok(contiguous(bands, r50));
  // the cap wins over both budgets; at least one output row; nothing for no images
  assert.deepEqual(
    patchChunks(90, stem, 3, 16, 256 * 147 * 2, 2).map((c) => c.count),
    Array(45).fill(2),
  );
  assert.equal(patchChunks(2, r50, 3, 64, 1, 2).length, 2 * 112);
  assert.deepEqual(patchChunks(0, r50, 3, 64, 1 << 22, 2), []);
  // the buffer the parts share is as large as the first: no part has more rows
  for (const [chunks, g] of [
    [demo, stem],
    [bands, r50],
    [patchChunks(7, deep, 256, 256, 1 << 22, 2), deep],
  ] as Array<[PatchChunk[], PatchGeometry]>) {
    assert.equal(largestRows(chunks, g), Math.max(...chunks.map((c) => rowsOf(c, g))));
  }
  assert.equal(largestRows([], r50), 0);
});
