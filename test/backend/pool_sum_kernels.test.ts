/**
 * The kit's wasm MaxPoolGrad and leading-axes Sum (lib/backend/wasm_kernels/max_pool_grad.ts,
 * sum_leading.ts) against the cpu backend: pooling windows with and without padding, strides 1-3,
 * -inf padding as the kit's maxPool2dTorch makes it, ties; sums over leading axes with keepDims,
 * and the cases left to wasm's own Sum; the SIMD column sum (`col_sum`) bit for bit against a float64 loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { seededUniform, maxRelDiff } from './random';
import { heapKernels } from '../../lib/backend/wasm_kernels/simd';
import { addressOf, heapTensor, type WasmBackend } from '../../lib/backend/wasm_kernels/heap';

async function on(backend: 'wasm' | 'cpu', f: () => tf.Tensor): Promise<{ data: Float32Array; shape: number[] }> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const r = { data: (await out.data()) as Float32Array, shape: out.shape };
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  return r;
}

async function sameAsCpu(label: string, f: () => tf.Tensor, tol = 1e-6): Promise<void> {
  const w = await on('wasm', f);
  const c = await on('cpu', f);
  assert.deepEqual(w.shape, c.shape, label);
  const d = maxRelDiff(w.data, c.data);
  assert.ok(d <= tol, `${label}: wasm vs cpu differ by ${d}`);
}

test('gradient of maxPool on wasm equals cpu (MaxPoolGrad): sizes, strides, padding, ties', async () => {
  const u = seededUniform(41);
  const cases: Array<{ shape: [number, number, number, number]; k: number; s: number; pad: 'valid' | 'same' | number }> = [
    { shape: [2, 9, 9, 5], k: 3, s: 2, pad: 'valid' },
    { shape: [2, 8, 7, 3], k: 3, s: 2, pad: 'same' },
    { shape: [1, 7, 7, 4], k: 2, s: 1, pad: 'valid' },
    { shape: [2, 10, 10, 2], k: 3, s: 3, pad: 'same' },
    { shape: [2, 6, 6, 3], k: 3, s: 2, pad: 1 }, // torch MaxPool2d(3, 2, 1): -inf pad, then valid
    { shape: [2, 9, 8, 9], k: 3, s: 2, pad: 1 }, // two SIMD blocks of 4 channels and a tail of 1
  ];
  for (const c of cases) {
    const x = u(c.shape.reduce((a, b) => a * b, 1));
    const r = u(c.shape.reduce((a, b) => a * b, 1));
    await sameAsCpu(JSON.stringify(c), () =>
      tf.grad((t: tf.Tensor) => {
        const input =
          typeof c.pad === 'number'
            ? tf.pad(
                t,
                [
                  [0, 0],
                  [c.pad, c.pad],
                  [c.pad, c.pad],
                  [0, 0],
                ],
                -Infinity,
              )
            : t;
        const y = tf.maxPool(input as tf.Tensor4D, c.k, c.s, typeof c.pad === 'number' ? 'valid' : c.pad);
        return tf.sum(tf.mul(y, tf.tensor(r.subarray(0, y.size), y.shape)));
      })(tf.tensor(x, c.shape)),
    );
  }
  // ties: a constant image sends each window's gradient to its first cell
  await sameAsCpu('ties', () => tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(tf.ones([1, 4, 4, 2])));
  await sameAsCpu('ties, SIMD channels', () =>
    tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 3, 2, 'valid')))(tf.ones([1, 5, 5, 8])),
  );
});

test('Sum over leading axes on wasm equals cpu; other reductions still work', async () => {
  const u = seededUniform(42);
  const x = u(3 * 5 * 4 * 6);
  const t = (): tf.Tensor => tf.tensor(x, [3, 5, 4, 6]);
  await sameAsCpu('NHW of NHWC', () => tf.sum(t(), [0, 1, 2]), 1e-5);
  await sameAsCpu('NHW keepDims', () => tf.sum(t(), [2, 0, 1], true), 1e-5);
  await sameAsCpu('rows', () => tf.sum(t(), 0), 1e-5);
  await sameAsCpu('inner axes (wasm builtin)', () => tf.sum(t(), [2, 3]), 1e-5);
  await sameAsCpu('all axes (wasm builtin)', () => tf.sum(t()), 1e-5);
  await sameAsCpu('int32 (wasm builtin)', () =>
    tf.sum(
      tf.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        [2, 2],
        'int32',
      ),
      0,
    ),
  );
});

test('Sum over leading axes on wasm is the float64 sum of each column in row order, rounded once (col_sum, SIMD body and tail)', async () => {
  await initBackend('wasm', { quiet: true });
  const kernels = heapKernels();
  assert.ok(kernels, 'the SIMD kernels are not loaded on wasm');
  const u = seededUniform(43);
  for (const [rows, cols] of [
    [7, 6],
    [5, 1539],
    [1, 3],
  ]) {
    const before = tf.memory().numTensors;
    const x = u(rows * cols).map((v, i) => v * 10 ** ((i % 7) - 3)); // magnitudes 1e-3 .. 1e3: the float64 sum matters
    const want = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) want[j] += x[i * cols + j];
    const wanted = Float32Array.from(want);
    const xt = tf.tensor2d(x, [rows, cols]);
    const viaOp = tf.sum(xt, 0);
    assert.deepEqual(Array.from((await viaOp.data()) as Float32Array), Array.from(wanted), `Sum [${rows}, ${cols}] over rows`);
    const backend = tf.backend() as unknown as WasmBackend;
    const out = heapTensor(backend, [cols]);
    const acc = heapTensor(backend, [2 * cols]);
    kernels.col_sum(addressOf(backend, xt), rows, cols, addressOf(backend, acc), addressOf(backend, out));
    assert.deepEqual(Array.from((await out.data()) as Float32Array), Array.from(wanted), `col_sum [${rows}, ${cols}]`);
    tf.dispose([xt, viaOp, out, acc]);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  }
});
