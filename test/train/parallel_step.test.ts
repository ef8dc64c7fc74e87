/**
 * The data-parallel step (lib/train/parallel): with 2 and 3 worker threads it equals the
 * single-thread trainStep up to float rounding, same batch and seeds, for the demo network with
 * SEE Proxy-Anchor (expansion on) and a small ViT with Proxy-Anchor: loss values, and every weight
 * and proxy after two AdamW steps. Evaluation embeddings on the workers equal the main thread's.
 * A non-finite step and a loss that throws inside the tape leave the workers usable (they wait
 * inside their tapes and must be released); a training run through the loop on 2 workers, stopped
 * at a step boundary and resumed, gives the single-thread run's losses and logs which step it took.
 * Plus the batch sharding, SEE_WORKERS parsing, and the single-thread step off wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { BackboneEmbeddingModel, createEmbeddingModel } from '../../lib/backbones/model';
import { ProxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { AdamW } from '../../lib/train/adamw';
import { buildParamGroups } from '../../lib/train/param_groups';
import { NonFiniteLossError, trainStep, type StepParts } from '../../lib/train/train_step';
import { addInOrder, type StepPhases } from '../../lib/train/parallel/parallel_step';
import { openStepper, parallelEmbedder } from '../../lib/train/parallel/stepper';
import { shardRows } from '../../lib/train/parallel/shards';
import { trainWorkerCount, trainWorkerPlan } from '../../lib/train/parallel/worker_count';
import { RunDir } from '../../lib/train/run_dir';
import type { MetricLoss } from '../../lib/types';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinySeeRun } from '../helpers/tiny_see_run';

interface Setup {
  backbone: string;
  size: number;
  batch: number;
  dim: number;
  loss: () => MetricLoss;
  /** the loss has the two-part form (SEE: a deferred term after the tape) */
  twoPart: boolean;
}

function parts(s: Setup): StepParts {
  const model = createEmbeddingModel(s.backbone, { embeddingDim: s.dim, seed: 5 });
  const loss = s.loss();
  return { model, loss, optimizer: new AdamW(buildParamGroups(model, loss, 1e-4)), clip: { kind: 'value', value: 10 } };
}

async function weightsOf(p: StepParts): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of p.model.namedWeights()) out.set(k, (await v.data()) as Float32Array);
  for (const [i, v] of p.loss.trainableVariables.entries()) out.set(`loss.${i}`, (await v.data()) as Float32Array);
  return out;
}

function dispose(p: StepParts): void {
  p.optimizer.dispose();
  p.loss.dispose();
  p.model.dispose();
}

const LRS = { backbone: 1e-3, head: 1e-3, proxies: 1e-1 };

async function compare(s: Setup, workers: number): Promise<void> {
  await initBackend('wasm', { quiet: true });
  const images = tf.randomNormal([s.batch, s.size, s.size, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: s.batch }, (_, i) => Math.floor(i / 2) % 20),
    'int32',
  );
  const batch = { images, labels };
  const single = parts(s);
  const parallel = parts(s);
  const stepper = await openStepper(parallel, workers);
  try {
    assert.equal(stepper.workers, workers);
    for (let step = 0; step < 2; step++) {
      const a = await trainStep(single, batch, LRS, { epoch: 0, step });
      const b = await stepper.step(batch, LRS, { epoch: 0, step });
      assert.ok(
        Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)),
        `${s.backbone} step ${step}: loss ${a} (1 thread) vs ${b} (${workers} workers)`,
      );
    }
    const wa = await weightsOf(single);
    const wb = await weightsOf(parallel);
    assert.equal(wa.size, wb.size);
    let worst = 0;
    let moved = 0;
    for (const [k, va] of wa) {
      const vb = wb.get(k)!;
      for (let i = 0; i < va.length; i++) worst = Math.max(worst, Math.abs(va[i] - vb[i]));
      moved += va.some((v, i) => v !== vb[i]) ? 1 : 0;
    }
    // two AdamW steps move a weight by about 2 lr; rounding of the per-shard sums moves it far less
    assert.ok(worst <= 2e-5, `${s.backbone}: weights after two steps differ by up to ${worst} (1 thread vs ${workers} workers)`);
    // no tensors left behind by a parallel step (AdamW's slots exist after the first one)
    const before = tf.memory().numTensors;
    // the step times its phases when asked (npm run bench -- workers): each one, within the step's wall time
    const phases: Partial<StepPhases> = {};
    // the deferred term starts while the workers run backward: after the loss phase, before backward ends
    const deferredTerm = parallel.loss.deferredTerm?.bind(parallel.loss);
    assert.equal(deferredTerm !== undefined, s.twoPart, `${s.backbone}: two-part form of the loss`);
    let phasesAtDeferred: string[] | undefined;
    if (deferredTerm) {
      parallel.loss.deferredTerm = () => {
        phasesAtDeferred = Object.keys(phases);
        return deferredTerm();
      };
    }
    const t0 = performance.now();
    await stepper.step(batch, LRS, { epoch: 0, step: 2 }, phases);
    const wall = performance.now() - t0;
    assert.equal(tf.memory().numTensors, before, 'a parallel step leaked tensors');
    const names = ['apply', 'backward', 'forward', 'loss', 'push', 'sum'];
    assert.deepEqual(Object.keys(phases).sort(), names);
    if (s.twoPart)
      assert.deepEqual(phasesAtDeferred?.sort(), ['forward', 'loss', 'push'], 'the deferred term did not start during backward');
    const times = Object.values(phases);
    assert.ok(
      times.every((t) => t >= 0) && times.reduce((a, t) => a + t, 0) <= wall + 1e-6,
      `phases ${JSON.stringify(phases)} against a step of ${wall} ms`,
    );
    const embed = parallelEmbedder(parallel.model);
    assert.ok(embed, 'no worker embedder while the stepper is open');
    const onWorkers = await embed(images);
    const z = parallel.model.embed(images, false);
    const onMain = (await z.data()) as Float32Array;
    z.dispose();
    let d = 0;
    onMain.forEach((v, i) => {
      d = Math.max(d, Math.abs(v - onWorkers[i]));
    });
    assert.ok(d <= 1e-5, `${s.backbone}: eval embeddings on workers differ from the main thread by ${d} (${moved} tensors moved)`);
  } finally {
    await stepper.close();
  }
  assert.equal(parallelEmbedder(parallel.model), undefined, 'embedder left registered after close');
  dispose(single);
  dispose(parallel);
  tf.dispose([images, labels]);
}

test('2 workers: demo network with SEE Proxy-Anchor equals the single-thread step', { timeout: 300_000 }, async () => {
  await compare(
    {
      backbone: 'resnet_small.demo',
      size: 32,
      batch: 24,
      dim: 64,
      loss: () => new SeeProxyAnchorLoss({ numClasses: 20, embeddingDim: 64, n: 8, lambda: 0.2, plan: 1, threshold: 0.4, seed: 2 }),
      twoPart: true,
    },
    2,
  );
});

test('3 workers: small ViT with Proxy-Anchor equals the single-thread step (uneven shares)', { timeout: 300_000 }, async () => {
  await compare(
    {
      backbone: 'vit_tiny_patch8_32.test',
      size: 32,
      batch: 10,
      dim: 16,
      loss: () => new ProxyAnchorLoss({ numClasses: 20, embeddingDim: 16, seed: 2 }),
      twoPart: false,
    },
    3,
  );
});

test('a worker that fails at start reports its error instead of hanging', { timeout: 120_000 }, async () => {
  await initBackend('wasm', { quiet: true });
  const model = createEmbeddingModel('resnet_small.demo', { embeddingDim: 16, seed: 1 });
  const wrong = new BackboneEmbeddingModel(model.backbone, model.head, { backbone: 'no_such_net.test', options: { embeddingDim: 16 } });
  const loss = new ProxyAnchorLoss({ numClasses: 4, embeddingDim: 16 });
  const optimizer = new AdamW(buildParamGroups(wrong, loss, 0));
  await assert.rejects(
    openStepper({ model: wrong, loss, optimizer, clip: { kind: 'none' } }, 2),
    /training worker \d: unknown backbone "no_such_net.test"/,
  );
  optimizer.dispose();
  loss.dispose();
  model.dispose();
});

test("the workers' gradients are summed in worker order, with the native add and without it (SEE_NATIVE_GEMM=0) to the same bits", () => {
  const parts = [1, 2, 3].map((s) => Float32Array.from({ length: 37 }, (_, i) => Math.fround(Math.sin(s * (i + 1)) * 10 ** ((i % 6) - 3))));
  const want = Float32Array.from(parts[0], (v, i) => Math.fround(Math.fround(v + parts[1][i]) + parts[2][i])); // ((a + b) + c)
  const before = process.env.SEE_NATIVE_GEMM;
  try {
    for (const mode of ['auto', '0']) {
      process.env.SEE_NATIVE_GEMM = mode;
      const two = new Float32Array(37);
      addInOrder(parts.slice(0, 2), two);
      assert.deepEqual(
        Array.from(two),
        Array.from(parts[0], (v, i) => Math.fround(v + parts[1][i])),
        `two parts, SEE_NATIVE_GEMM=${mode}`,
      );
      const three = new Float32Array(37);
      addInOrder(parts, three);
      assert.deepEqual(Array.from(three), Array.from(want), `three parts, SEE_NATIVE_GEMM=${mode}`);
      const one = new Float32Array(37);
      addInOrder(parts.slice(0, 1), one);
      assert.deepEqual(Array.from(one), Array.from(parts[0]), `one part, SEE_NATIVE_GEMM=${mode}`);
    }
  } finally {
    if (before === undefined) delete process.env.SEE_NATIVE_GEMM;
    else process.env.SEE_NATIVE_GEMM = before;
  }
});

test('shardRows splits a batch into contiguous near-equal shares', () => {
  assert.deepEqual(shardRows(10, 3), [
    { start: 0, end: 4 },
    { start: 4, end: 7 },
    { start: 7, end: 10 },
  ]);
  assert.deepEqual(shardRows(2, 4), [
    { start: 0, end: 1 },
    { start: 1, end: 2 },
  ]);
  assert.deepEqual(shardRows(0, 2), []);
  assert.throws(() => shardRows(5, 0), /workers=0/);
});

test('SEE_WORKERS: default the cores, 1 for none, bad values named', () => {
  assert.ok(trainWorkerCount(undefined) >= 1);
  assert.equal(trainWorkerCount('1'), 1);
  assert.equal(trainWorkerCount(' 3 '), 3);
  assert.throws(() => trainWorkerCount('0'), /SEE_WORKERS="0"/);
  assert.throws(() => trainWorkerCount('two'), /SEE_WORKERS="two": expected a positive integer/);
});

test('a non-finite step and a loss that throws in the tape leave the workers usable', { timeout: 300_000 }, async () => {
  await initBackend('wasm', { quiet: true });
  const setup: Setup = {
    backbone: 'resnet_small.demo',
    size: 32,
    batch: 8,
    dim: 16,
    loss: () => new ProxyAnchorLoss({ numClasses: 20, embeddingDim: 16, seed: 2 }),
    twoPart: false,
  };
  const images = tf.randomNormal([8, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 3], 'int32');
  const nanImages = tf.fill([8, 32, 32, 3], NaN) as tf.Tensor4D;
  const badLabels = tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 99], 'int32');
  const single = parts(setup);
  const parallel = parts(setup);
  const stepper = await openStepper(parallel, 2);
  try {
    const before = await weightsOf(parallel);
    const steps: Array<(b: { images: tf.Tensor4D; labels: tf.Tensor1D }) => Promise<number>> = [
      (b) => trainStep(single, b, LRS, { epoch: 0, step: 0 }),
      (b) => stepper.step(b, LRS, { epoch: 0, step: 0 }),
    ];
    for (const step of steps) {
      await assert.rejects(
        step({ images: nanImages, labels }),
        (err: unknown) => err instanceof NonFiniteLossError && (Number.isNaN(err.lossValue) || err.gradients.length > 0),
      );
      await assert.rejects(step({ images, labels: badLabels }), /99/);
    }
    const after = await weightsOf(parallel);
    for (const [k, v] of before) assert.deepEqual(after.get(k), v, `${k} changed by a refused step`);
    const a = await trainStep(single, { images, labels }, LRS, { epoch: 0, step: 1 });
    const b = await stepper.step({ images, labels }, LRS, { epoch: 0, step: 1 });
    assert.ok(
      Number.isFinite(b) && Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)),
      `after the refused steps: ${a} (1 thread) vs ${b} (2 workers)`,
    );
  } finally {
    await stepper.close();
    dispose(single);
    dispose(parallel);
    tf.dispose([images, labels, nanImages, badLabels]);
  }
});

test(
  'a run on 2 workers through the loop: stopped at a step boundary, resumed, losses of the 1-thread run',
  { timeout: 600_000 },
  async () => {
    await initBackend('wasm', { quiet: true });
    const saved = process.env.SEE_WORKERS;
    const dirs: string[] = [];
    const run = async (workers: string) => {
      process.env.SEE_WORKERS = workers;
      const dir = mkdtempSync(join(tmpdir(), `see-workers${workers}-`));
      dirs.push(dir);
      const r = await tinySeeRun(dir, { epochs: 1, steps: 2, batch: 8 });
      const starts = new RunDir(dir).readLog().filter((e) => e.kind === 'event' && (e.event === 'start' || e.event === 'resume'));
      return { r, steps: starts.map((e) => String((e as { trainStep?: unknown }).trainStep)) };
    };
    try {
      const one = await run('1');
      const two = await run('2');
      assert.equal(two.r.events.length, 4);
      two.r.events.forEach((e, i) => {
        const a = one.r.events[i].loss;
        assert.ok(Math.abs(a - e.loss) <= 1e-4 * Math.max(1, Math.abs(a)), `step ${i}: loss ${a} (1 thread) vs ${e.loss} (2 workers)`);
      });
      assert.equal(two.r.stopped.epoch, one.r.stopped.epoch);
      assert.deepEqual(
        two.steps.map((t) => /^data-parallel training step on 2 worker threads/.test(t)),
        [true, true],
        two.steps.join(' | '),
      );
      assert.deepEqual(
        one.steps.map((t) => /^single-thread training step \(1 worker/.test(t)),
        [true, true],
        one.steps.join(' | '),
      );
    } finally {
      if (saved === undefined) delete process.env.SEE_WORKERS;
      else process.env.SEE_WORKERS = saved;
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  },
);

test('off wasm the single-thread step runs, and says why', async () => {
  for (const backend of ['webgpu', 'cpu', 'tensorflow']) {
    const plan = trainWorkerPlan(backend, 2);
    assert.equal(plan.workers, 1);
    assert.match(
      plan.description,
      new RegExp(`^single-thread training step \\(SEE_WORKERS applies to the wasm backend only; this run is on ${backend}\\)`),
    );
  }
  assert.equal(trainWorkerPlan('wasm', 2).workers, 2);
  assert.match(trainWorkerPlan('wasm', 2, false).description, /no recipe/);
  await initBackend('cpu', { quiet: true });
  const p = parts({
    backbone: 'resnet_small.demo',
    size: 32,
    batch: 4,
    dim: 16,
    loss: () => new ProxyAnchorLoss({ numClasses: 4, embeddingDim: 16 }),
    twoPart: false,
  });
  const stepper = await openStepper(p, 2);
  try {
    assert.equal(stepper.workers, 1);
    assert.match(stepper.description, /this run is on cpu/);
    assert.equal(parallelEmbedder(p.model), undefined);
  } finally {
    await stepper.close();
    dispose(p);
  }
});
