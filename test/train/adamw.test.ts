import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import { AdamW, compositeUpdate } from '../../lib/train/adamw';
import { heapAdamW } from '../../lib/backend/wasm_kernels/adamw_update';
import { addressOf, type WasmBackend } from '../../lib/backend/wasm_kernels/heap';
import { assertNoTensorLeak } from '../helpers/leaks';

/** torch.optim.AdamW's update for one parameter, written as plain loops (float64). */
function torchAdamW(
  p: number[],
  g: number[],
  st: { m: number[]; v: number[]; t: number },
  lr: number,
  wd: number,
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-4,
): void {
  st.t += 1;
  const bc1 = 1 - b1 ** st.t;
  const bc2 = 1 - b2 ** st.t;
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - lr * wd;
    st.m[i] = b1 * st.m[i] + (1 - b1) * g[i];
    st.v[i] = b2 * st.v[i] + (1 - b2) * g[i] * g[i];
    const denom = Math.sqrt(st.v[i]) / Math.sqrt(bc2) + eps;
    p[i] -= (lr / bc1) * (st.m[i] / denom);
  }
}

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 2e-5): boolean =>
  Array.from(a).every((x, i) => Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])));

test('AdamW matches torch.optim.AdamW over 6 steps, two groups, lr 0 then > 0 (warm-up freeze)', async () => {
  await initBackend('cpu', { quiet: true });
  const p0 = [0.5, -1.2, 2.0];
  const q0 = [0.3, 0.1];
  const a = tf.variable(tf.tensor1d(p0));
  const b = tf.variable(tf.tensor1d(q0));
  const opt = new AdamW([
    { name: 'backbone', variables: [a], weightDecay: 0.01 },
    { name: 'proxies', variables: [b], weightDecay: 1e-4 },
  ]);
  const ref = { p: p0.slice(), q: q0.slice(), sp: { m: [0, 0, 0], v: [0, 0, 0], t: 0 }, sq: { m: [0, 0], v: [0, 0], t: 0 } };
  for (let s = 0; s < 6; s++) {
    const gp = [Math.sin(s + 1), -0.3 * s, 0.05];
    const gq = [1.5 - s, 0.2];
    const lrA = s < 2 ? 0 : 1e-2; // backbone frozen for the first two steps
    const lrB = 0.1;
    const grads = { [a.name]: tf.tensor1d(gp), [b.name]: tf.tensor1d(gq) };
    opt.step(grads, { backbone: lrA, proxies: lrB });
    tf.dispose(Object.values(grads));
    torchAdamW(ref.p, gp, ref.sp, lrA, 0.01);
    torchAdamW(ref.q, gq, ref.sq, lrB, 1e-4);
    assert.ok(near(a.dataSync(), ref.p), `step ${s}: ${a.dataSync()} vs ${ref.p}`);
    assert.ok(near(b.dataSync(), ref.q), `step ${s}: ${b.dataSync()} vs ${ref.q}`);
    if (s < 2) assert.deepEqual(Array.from(a.dataSync()), Array.from(new Float32Array(p0)), 'lr 0 leaves the weights');
  }
  // moments accumulated during the freeze: state has 6 steps for both variables
  const state = await opt.getState();
  assert.equal(state.get('backbone/0')?.step, 6);
  assert.ok(near(state.get('backbone/0')!.m, ref.sp.m));
  assert.ok(near(state.get('proxies/0')!.v, ref.sq.v));
  opt.dispose();
  tf.dispose([a, b]);
});

test('a variable without a gradient is skipped and its step count does not advance', async () => {
  await initBackend('cpu', { quiet: true });
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([3]));
  const opt = new AdamW([{ name: 'g', variables: [a, b], weightDecay: 0.5 }]);
  const ga = tf.tensor1d([0.1, 0.1]);
  opt.step({ [a.name]: ga }, { g: 0.1 });
  assert.deepEqual(Array.from(b.dataSync()), [3]);
  const state = await opt.getState();
  assert.equal(state.get('g/0')?.step, 1);
  assert.equal(state.has('g/1'), false);
  assert.throws(() => opt.step({}, {}), /learning rate for group "g" is undefined/);
  tf.dispose([a, b, ga]);
  opt.dispose();
});

test('state round trip: a restored optimizer continues exactly like the original', async () => {
  await initBackend('cpu', { quiet: true });
  const mk = (): tf.Variable => tf.variable(tf.tensor1d([0.2, -0.4, 0.9]));
  const a = mk();
  const b = mk();
  const o1 = new AdamW([{ name: 'g', variables: [a], weightDecay: 0.01 }]);
  const o2 = new AdamW([{ name: 'g', variables: [b], weightDecay: 0.01 }]);
  const g = tf.tensor1d([0.3, -2, 0.7]);
  for (let i = 0; i < 3; i++) o1.step({ [a.name]: g }, { g: 0.05 });
  b.assign(a);
  o2.setState(await o1.getState());
  o1.step({ [a.name]: g }, { g: 0.05 });
  o2.step({ [b.name]: g }, { g: 0.05 });
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  assert.throws(
    () => o2.setState(new Map([['g/5', { shape: [3], m: new Float32Array(3), v: new Float32Array(3), step: 1 }]])),
    /names no variable/,
  );
  tf.dispose([a, b, g]);
  o1.dispose();
  o2.dispose();
});

test('AdamW.step leaves tf.memory().numTensors flat over 20 steps', async () => {
  await initBackend('cpu', { quiet: true });
  const a = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 3));
  const opt = new AdamW([{ name: 'g', variables: [a], weightDecay: 0.01 }]);
  const g = tf.onesLike(a);
  await assertNoTensorLeak('AdamW.step', () => opt.step({ [a.name]: g }, { g: 1e-3 }));
  tf.dispose([a, g]);
  opt.dispose();
});

test('on wasm the one-pass heap update equals the composite bit for bit (vector body and tail, decay on and off)', async () => {
  await initBackend('wasm', { quiet: true });
  const update = heapAdamW();
  assert.ok(update, 'no heap AdamW on wasm');
  for (const [n, seed] of [
    [1, 1],
    [7, 2],
    [1030, 3],
  ]) {
    const p = tf.randomNormal([n], 0, 1, 'float32', seed);
    const m = tf.randomNormal([n], 0, 0.1, 'float32', seed + 10);
    const v = tf.abs(tf.randomNormal([n], 0, 0.01, 'float32', seed + 20));
    const g = tf.randomNormal([n], 0, 3, 'float32', seed + 30);
    for (const decay of [1, 1 - 1e-3 * 0.01]) {
      const scalars = {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-4,
        decay,
        stepSize: 1e-3 / (1 - 0.9 ** 3),
        sqrtBiasCorrection2: Math.sqrt(1 - 0.999 ** 3),
      };
      const fused: tf.Tensor[] = update(p, m, v, g, scalars);
      const plain: tf.Tensor[] = compositeUpdate(p, m, v, g, scalars);
      for (let k = 0; k < 3; k++) {
        const a = (await fused[k].data()) as Float32Array;
        const b = (await plain[k].data()) as Float32Array;
        assert.deepEqual(
          Buffer.from(a.buffer, a.byteOffset, a.byteLength),
          Buffer.from(b.buffer, b.byteOffset, b.byteLength),
          `n=${n} decay=${decay}: output ${'pmv'[k]} differs`,
        );
      }
      tf.dispose([...fused, ...plain]);
    }
    tf.dispose([p, m, v, g]);
  }
});

test('on wasm AdamW (heap update) still matches torch.optim.AdamW and leaks nothing', async () => {
  await initBackend('wasm', { quiet: true });
  const p0 = [0.5, -1.2, 2.0, 0.7, -0.1];
  const a = tf.variable(tf.tensor1d(p0));
  const opt = new AdamW([{ name: 'backbone', variables: [a], weightDecay: 0.01 }]);
  const ref = { p: p0.slice(), st: { m: [0, 0, 0, 0, 0], v: [0, 0, 0, 0, 0], t: 0 } };
  for (let s = 0; s < 5; s++) {
    const gp = [Math.sin(s + 1), -0.3 * s, 0.05, 2 - s, 0.5];
    const grads = { [a.name]: tf.tensor1d(gp) };
    opt.step(grads, { backbone: 1e-2 });
    tf.dispose(Object.values(grads));
    torchAdamW(ref.p, gp, ref.st, 1e-2, 0.01);
    const got = await a.data();
    assert.ok(near(got, ref.p), `step ${s}: ${got} vs ${ref.p}`);
  }
  const g = tf.onesLike(a);
  await assertNoTensorLeak('AdamW.step on wasm', () => opt.step({ [a.name]: g }, { backbone: 1e-3 }));
  tf.dispose([a, g]);
  opt.dispose();
});

test('on wasm AdamW writes over a weight held by nothing else, and gives a weight whose memory is shared new memory: the same values, the sharer untouched', async () => {
  await initBackend('wasm', { quiet: true });
  // the same values in memory of their own each
  const alone = tf.tidy(() => tf.variable(tf.randomNormal([1030], 0, 1, 'float32', 7), true, 'adamw_alone'));
  const shared = tf.tidy(() => tf.variable(tf.randomNormal([1030], 0, 1, 'float32', 7), true, 'adamw_shared'));
  const opts = [alone, shared].map((v) => new AdamW([{ name: 'g', variables: [v], weightDecay: 0.01 }]));
  const g = tf.randomNormal([1030], 0, 3, 'float32', 8);
  for (let s = 0; s < 3; s++) {
    const aliveAddress = heapAddress(alone);
    const prior = await shared.data();
    const sharer = shared.clone(); // shares the weight's memory until the step
    opts[0].step({ [alone.name]: g }, { g: 1e-2 });
    opts[1].step({ [shared.name]: g }, { g: 1e-2 });
    assert.equal(heapAddress(alone), aliveAddress, `step ${s}: the lone weight was written in place`);
    assert.notEqual(heapAddress(shared), heapAddress(sharer), `step ${s}: the shared weight got new memory`);
    assert.deepEqual(await sharer.data(), prior, `step ${s}: the sharer kept the values it had`);
    assert.notDeepEqual(await shared.data(), prior, `step ${s}: the shared weight moved`);
    sharer.dispose();
    const [a, b] = [await alone.data(), await shared.data()];
    assert.deepEqual(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength), `step ${s}`);
  }
  const states = await Promise.all(opts.map((o) => o.getState()));
  assert.deepEqual(states[0].get('g/0'), states[1].get('g/0'), 'the same moments');
  tf.dispose([alone, shared, g]);
  opts.forEach((o) => o.dispose());
});

/** where a tensor's values are on the wasm heap */
function heapAddress(t: tf.Tensor): number {
  return addressOf(tf.backend() as unknown as WasmBackend, t);
}
