/**
 * The fused Proxy-Anchor (lib/losses/fused_proxy_anchor.ts) on wasm, of unit rows and of raw rows
 * normalised inside (proxyAnchorOfRawRows), equals the plain one (proxyAnchorNormalized,
 * lib/losses/proxy_anchor_plain.ts, on l2Normalize'd rows): loss, dL/dproxies and, for the batch
 * term, dL/dembeddings (all with respect to the raw rows); with more classes than one block (several blocks and a last partial one),
 * fewer classes than rows, classes without rows, and tensors freed. Off wasm it is the plain function.
 * With SEE_WORKERS above 1 the helper thread takes the upper classes: the same bits for the loss and
 * dL/dproxies as on one thread, dL/dx up to the order of one sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { l2Normalize } from '../../lib/losses/l2_normalize';
import { proxyAnchorNormalized } from '../../lib/losses/proxy_anchor_plain';
import { fusedProxyAnchor, helperSplit, proxyAnchorOfRawRows } from '../../lib/losses/fused_proxy_anchor';
import { PaHelper, paHelper, paHelperStarted } from '../../lib/losses/pa_helper';
import { seededUniform } from '../backend/random';

interface Result {
  loss: number;
  /** dL/dproxies, then dL/dembeddings when the embeddings are not constants */
  grads: Float32Array[];
}

/** fused: fusedProxyAnchor on l2Normalize'd inputs; raw: proxyAnchorOfRawRows (the normalisation inside); plain: proxyAnchorNormalized */
type Kind = 'fused' | 'raw' | 'plain';

async function lossAndGrads(
  kind: Kind,
  constant: boolean,
  x: Float32Array,
  labels: Int32Array,
  p: Float32Array,
  c: number,
  d: number,
): Promise<Result> {
  const before = tf.memory().numTensors;
  const xs = tf.tensor2d(x, [labels.length, d]);
  const ps = tf.tensor2d(p, [c, d]);
  const unit = kind === 'fused' ? fusedProxyAnchor : proxyAnchorNormalized;
  const pa = (e: tf.Tensor2D, q: tf.Tensor2D, constantEmbeddings: boolean): tf.Scalar =>
    kind === 'raw'
      ? proxyAnchorOfRawRows(e, labels, q, 0.1, 32, constantEmbeddings)
      : unit(l2Normalize(e), labels, l2Normalize(q), 0.1, 32, constantEmbeddings);
  const { value, grads } = tf.tidy(() =>
    constant
      ? tf.valueAndGrads((q: tf.Tensor) => pa(xs, q as tf.Tensor2D, true))([ps])
      : tf.valueAndGrads((q: tf.Tensor, e: tf.Tensor) => pa(e as tf.Tensor2D, q as tf.Tensor2D, false))([ps, xs]),
  );
  const out = { loss: (await value.data())[0], grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)) };
  tf.dispose([xs, ps, value, ...grads]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  return out;
}

/** largest difference relative to the largest entry of `plain` (the entries are far below 1) */
function relativeGap(fused: Float32Array, plain: Float32Array): { worst: number; scale: number } {
  let scale = 0;
  let worst = 0;
  plain.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - fused[i]));
  });
  return { worst, scale };
}

test('fused Proxy-Anchor, of unit and of raw rows, equals the plain one on wasm: synthetic points and batch term, several class blocks', async () => {
  await initBackend('wasm', { quiet: true });
  const saved = process.env.SEE_WORKERS;
  process.env.SEE_WORKERS = '2'; // a second thread allowed; none of these sizes is worth one
  const u = seededUniform(61);
  for (const [n, c, d] of [
    [96, 4500, 16],
    [37, 11, 8],
    [130, 2048, 12],
    [180, 5000, 33],
  ]) {
    const x = u(n * d);
    // classes > every label are never positive
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % Math.min(c, 50));
    const p = u(c * d);
    for (const constant of [true, false]) {
      const plain = await lossAndGrads('plain', constant, x, labels, p, c, d);
      for (const kind of ['fused', 'raw'] as const) {
        const what = `${kind}: n ${n} C ${c} D ${d} ${constant ? 'constant points' : 'batch'}`;
        const fused = await lossAndGrads(kind, constant, x, labels, p, c, d);
        assert.ok(Math.abs(fused.loss - plain.loss) <= 1e-5 * Math.abs(plain.loss), `${what}: loss ${fused.loss} vs ${plain.loss}`);
        assert.equal(fused.grads.length, constant ? 1 : 2, `${what}: gradients`);
        fused.grads.forEach((g, j) => {
          const { worst, scale } = relativeGap(g, plain.grads[j]);
          assert.ok(worst <= 1e-4 * scale, `${what}: ${j === 0 ? 'dL/dproxies' : 'dL/dx'} differ by ${worst} (largest entry ${scale})`);
          assert.ok(
            g.some((v) => v !== 0),
            `${what}: gradient ${j} is all zeros`,
          );
        });
      }
    }
  }
  if (saved === undefined) delete process.env.SEE_WORKERS;
  else process.env.SEE_WORKERS = saved;
  assert.equal(paHelperStarted(), false, 'the helper thread started for work below its share');
});

test('on cpu the fused Proxy-Anchor, of unit or raw rows, is the plain function', async () => {
  await initBackend('cpu', { quiet: true });
  const u = seededUniform(62);
  const labels = Int32Array.from([0, 1, 1, 3]);
  const x = u(4 * 6);
  const p = u(5 * 6);
  for (const constant of [true, false]) {
    const b = await lossAndGrads('plain', constant, x, labels, p, 5, 6);
    for (const kind of ['fused', 'raw'] as const) {
      const a = await lossAndGrads(kind, constant, x, labels, p, 5, 6);
      assert.equal(a.loss, b.loss, kind);
      assert.deepEqual(
        a.grads.map((g) => Array.from(g)),
        b.grads.map((g) => Array.from(g)),
        kind,
      );
    }
  }
});

test('with SEE_WORKERS=2 the helper thread computes the upper classes: loss and dL/dproxies bit for bit, dL/dx up to rounding', async () => {
  await initBackend('wasm', { quiet: true });
  const [n, c, d] = [180, 5000, 128];
  assert.ok(helperSplit(c, n, d) < c, `${c} classes x ${n} rows x ${d} are split`);
  assert.equal(helperSplit(2048, n, d), 2048, 'one block stays on the calling thread');
  const u = seededUniform(63);
  const x = u(n * d);
  // rows of classes on both sides of the split, so both threads see positive pairs
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 37) % c);
  const p = u(c * d);
  const saved = process.env.SEE_WORKERS;
  const run = async (workers: string): Promise<Result[]> => {
    process.env.SEE_WORKERS = workers;
    return [await lossAndGrads('fused', true, x, labels, p, c, d), await lossAndGrads('fused', false, x, labels, p, c, d)];
  };
  let one: Result[];
  let two: Result[];
  let jobs: number;
  try {
    one = await run('1');
    const before = paHelper()?.finishedJobs ?? 0;
    two = await run('2');
    jobs = paHelper()!.finishedJobs - before;
  } finally {
    if (saved === undefined) delete process.env.SEE_WORKERS;
    else process.env.SEE_WORKERS = saved;
  }
  assert.equal(jobs, 2, 'the helper ran one job per term');
  for (const [t, what] of [
    [0, 'constant points'],
    [1, 'batch'],
  ] as const) {
    assert.equal(two[t].loss, one[t].loss, `${what}: loss`);
    assert.deepEqual(two[t].grads[0], one[t].grads[0], `${what}: dL/dproxies`);
  }
  const { worst, scale } = relativeGap(two[1].grads[1], one[1].grads[1]);
  assert.ok(worst <= 1e-5 * scale, `dL/dx differ by ${worst} (largest entry ${scale})`);
});

test('the helper refuses inputs of the wrong size, a second job before the first is finished, and a finish without a job', async () => {
  const helper = PaHelper.start();
  try {
    assert.throws(() => helper.finish(), /no job to finish/);
    const inputs = { n: 2, d: 4, first: 0, count: 3, alpha: 32, margin: 0.1, wantV: false };
    assert.throws(
      () => helper.post({ ...inputs, x: new Float32Array(7), labels: Int32Array.from([0, 2]), proxies: new Float32Array(12) }),
      /PaHelper.post: x has 7 values, expected n x d = 8/,
    );
    assert.throws(
      () => helper.post({ ...inputs, x: new Float32Array(8), labels: Int32Array.from([0]), proxies: new Float32Array(12) }),
      /labels has 1 values, expected n = 2/,
    );
    assert.throws(
      () => helper.post({ ...inputs, x: new Float32Array(8), labels: Int32Array.from([0, 2]), proxies: new Float32Array(11) }),
      /proxies has 11 values, expected count x d = 12/,
    );
    helper.post({ ...inputs, x: new Float32Array(8), labels: Int32Array.from([0, 2]), proxies: new Float32Array(12) });
    assert.throws(
      () => helper.post({ ...inputs, x: new Float32Array(8), labels: Int32Array.from([0, 2]), proxies: new Float32Array(12) }),
      /a job is still running/,
    );
    const out = helper.finish();
    assert.equal(out.w.length, 12);
    assert.equal(out.sums.length, 3);
    assert.equal(helper.finishedJobs, 1);
  } finally {
    await helper.close();
  }
});
