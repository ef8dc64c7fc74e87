/**
 * Runs that survive, at the library level: a stop request ends a run at a step boundary with a
 * checkpoint (inside an epoch, or before an evaluation) and resuming gives the uninterrupted run;
 * a non-finite loss or gradient stops naming the step, the terms and the last good checkpoint, or
 * is skipped when asked; evaluation refuses NaN embeddings naming the image; a resume with another
 * configuration is refused naming the keys, with the run folder left byte for byte as it was.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { initBackend, tf } from '../../lib/tf';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { datasetEvaluator } from '../../lib/train/dataset_evaluator';
import { train, type RunMetrics, type TrainOptions } from '../../lib/train/loop';
import { RunDir } from '../../lib/train/run_dir';
import { lossTermsOf } from '../../lib/train/step_health';
import { RunStoppedError } from '../../lib/train/stop_signal';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../lib/train/train_config';
import { NonFiniteLossError } from '../../lib/train/train_step';
import { SyntheticData, SyntheticSource, TinyMlp, TinyProxyLoss, makeEvaluator } from './doubles';

const root = mkdtempSync(join(tmpdir(), 'see-survive-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await initBackend('cpu', { quiet: true });
});

const TRAIN_CLASSES = 6;
const data = new SyntheticData(10, 7);
const testSet = data.fixedSet(TRAIN_CLASSES, 10, 4, 99);
const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 4,
  lr: 0.1,
  globalBatch: 8,
  proxyLrScale: 10,
  warmupEpochs: 1,
  weightDecay: 1e-4,
  evalFreq: 2,
  seed: 5,
};

function setup(name: string, opts: Partial<TrainOptions> = {}): TrainOptions & { model: TinyMlp; loss: TinyProxyLoss } {
  return {
    config,
    model: new TinyMlp(11),
    loss: new TinyProxyLoss(TRAIN_CLASSES, 8, 12),
    data: new SyntheticSource(data, TRAIN_CLASSES, 5),
    evaluate: makeEvaluator(testSet),
    runDir: new RunDir(join(root, name)),
    runInfo: { backbone: 'tiny' },
    ...opts,
  } as TrainOptions & { model: TinyMlp; loss: TinyProxyLoss };
}

function dispose(...runs: { model: TinyMlp; loss: { dispose(): void } }[]): void {
  for (const r of runs) {
    r.model.dispose();
    r.loss.dispose();
  }
}

/** file name -> SHA-256 of every file in a folder */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
      ]),
  );
}

const stepLosses = (d: RunDir): number[] =>
  d
    .readLog()
    .filter((r) => r.kind === 'step')
    .map((r) => r.loss as number);

let full: RunMetrics;
let fullRun: ReturnType<typeof setup>;

test('a stop request ends the run at the next step boundary with a checkpoint; resuming twice equals the uninterrupted run', async () => {
  fullRun = setup('full');
  full = await train(fullRun);
  // stop asked during step 2 of epoch 1: the run stops before step 3
  const stop: { signal: NodeJS.Signals | undefined } = { signal: undefined };
  const first = setup('stopped', {
    stop,
    progress: (e) => {
      if (e.epoch === 1 && e.step === 2) stop.signal = 'SIGTERM';
    },
  });
  await assert.rejects(train(first), (err: Error) => {
    assert.ok(err instanceof RunStoppedError);
    assert.deepEqual([err.signal, err.epoch, err.step, err.exitCode], ['SIGTERM', 1, 3, 143]);
    return true;
  });
  const ck = readCheckpoint(first.runDir.checkpointPath);
  assert.equal(ck.state.epoch, 0);
  assert.deepEqual([ck.state.inEpoch?.epoch, ck.state.inEpoch?.step, ck.state.globalStep], [1, 3, 8]);
  const stopped = first.runDir.readLog().filter((r) => r.event === 'stopped');
  assert.deepEqual(
    stopped.map((r) => [r.epoch, r.step, r.signal]),
    [[1, 3, 'SIGTERM']],
  );
  assert.deepEqual(readdirSync(first.runDir.path).sort(), ['checkpoint.safetensors', 'config.json', 'log.jsonl'], 'no lock, no metrics');
  dispose(first);
  // resumed in a fresh model; stopped again after the last step of epoch 2, before its evaluation
  const stop2: { signal: NodeJS.Signals | undefined } = { signal: undefined };
  const second = {
    ...setup('stopped', {
      stop: stop2,
      progress: (e) => {
        if (e.epoch === 2 && e.step === 4) stop2.signal = 'SIGINT';
      },
    }),
    model: new TinyMlp(123),
    loss: new TinyProxyLoss(TRAIN_CLASSES, 8, 456),
    resume: true,
  };
  await assert.rejects(
    train(second),
    (err: Error) => err instanceof RunStoppedError && err.epoch === 2 && err.step === 5 && err.exitCode === 130,
  );
  assert.equal(
    second.runDir.readLog().filter((r) => r.kind === 'eval' && r.epoch === 2).length,
    0,
    'stopped before the evaluation of epoch 2',
  );
  dispose(second);
  const third = { ...setup('stopped'), model: new TinyMlp(7), loss: new TinyProxyLoss(TRAIN_CLASSES, 8, 8), resume: true };
  const m = await train(third);
  assert.deepEqual(m.history, full.history);
  assert.deepEqual(Array.from(third.model.w1.dataSync()), Array.from(fullRun.model.w1.dataSync()));
  assert.deepEqual(Array.from(third.loss.proxies.dataSync()), Array.from(fullRun.loss.proxies.dataSync()));
  assert.deepEqual(stepLosses(third.runDir), stepLosses(fullRun.runDir), 'each step logged once, same values');
  const epochLoss = (d: RunDir): unknown[] =>
    d
      .readLog()
      .filter((r) => r.kind === 'epoch')
      .map((r) => r.loss);
  assert.deepEqual(epochLoss(third.runDir), epochLoss(fullRun.runDir), 'epoch means carried across the stops');
  assert.deepEqual(
    third.runDir
      .readLog()
      .filter((r) => r.kind === 'event')
      .map((r) => r.event),
    ['start', 'stopped', 'resume', 'stopped', 'resume'],
  );
  dispose(third);
});

test('a resume with another configuration is refused naming the keys; the run folder is left byte for byte', async () => {
  const killed = setup('changed', { data: new SyntheticSource(data, TRAIN_CLASSES, 5, 4, { epoch: 2, step: 1 }) });
  await assert.rejects(train(killed), /simulated kill/);
  dispose(killed);
  const before = snapshot(killed.runDir.path);
  const changed = { ...setup('changed', { config: { ...config, lr: 0.2 }, runInfo: { backbone: 'other' } }), resume: true };
  await assert.rejects(train(changed), (err: Error) => {
    assert.match(
      err.message,
      /differs from the checkpoint .*changed\/checkpoint\.safetensors in 2 key\(s\):\n {2}backbone: "tiny" in the checkpoint .*, "other" in this resume\n {2}train\.lr: 0\.1 in .*, 0\.2 in this resume/,
    );
    assert.match(err.message, /last good checkpoint \(epoch 1\) is intact/);
    return true;
  });
  dispose(changed);
  assert.deepEqual(snapshot(killed.runDir.path), before);
  const same = { ...setup('changed', { runInfo: { backbone: 'tiny', dataRoot: '/moved' } }), resume: true };
  assert.deepEqual((await train(same)).history, full.history, 'the data root may move');
  dispose(same);
});

test('a non-finite loss stops naming step, terms and the last good checkpoint; with nonFinite "skip" it is skipped and counted', async () => {
  const poisoned = (name: string, cfg: TrainConfig): ReturnType<typeof setup> => {
    const o = setup(name, { config: cfg });
    let calls = 0;
    const compute = o.loss.compute.bind(o.loss);
    o.loss.compute = (e, l) => {
      calls += 1;
      o.loss.poison = calls === 8;
      return compute(e, l);
    }; // epoch 1, step 2
    return o;
  };
  const stopRun = poisoned('nan-stop', config);
  await assert.rejects(train(stopRun), (err: Error) => {
    assert.ok(err instanceof NonFiniteLossError);
    assert.match(
      err.message,
      /^loss is NaN at epoch 1 step 2 \(global step 7\); NaN or Infinity in the gradient of model\/w1, model\/b1, model\/w2, model\/b2, loss\/0; the update was not applied/,
    );
    assert.match(err.message, /set train\.nonFinite to "skip"/);
    assert.match(err.message, /the last good checkpoint \(epoch 0\) is intact at .*nan-stop\/checkpoint\.safetensors/);
    return true;
  });
  assert.deepEqual(
    stopRun.runDir
      .readLog()
      .filter((r) => r.kind === 'event')
      .map((r) => r.event),
    ['start', 'non-finite step', 'failed'],
  );
  dispose(stopRun);
  const skipRun = poisoned('nan-skip', { ...config, nonFinite: 'skip' });
  const m = await train(skipRun);
  assert.equal(m.skippedSteps, 1);
  const log = skipRun.runDir.readLog();
  const skipped = log.filter((r) => r.event === 'skipped non-finite step');
  assert.equal(skipped.length, 1);
  assert.match(String(skipped[0].detail), /^loss is NaN at epoch 1 step 2 \(global step 7\)/);
  assert.equal(log.filter((r) => r.kind === 'step').length, 19);
  assert.equal(readCheckpoint(skipRun.runDir.checkpointPath).optimizerSteps['proxies/0'], 19, 'the skipped step updated nothing');
  assert.equal(skipRun.runDir.readMetrics<RunMetrics>()?.skippedSteps, 1);
  dispose(skipRun);
});

/** A loss whose value is finite but whose proxy gradient is NaN: 0 * sum(sqrt(P - P)). */
class NanGradientLoss extends TinyProxyLoss {
  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    return tf.tidy(
      () => tf.add(super.compute(embeddings, labels), tf.mul(tf.sum(tf.sqrt(tf.sub(this.proxies, this.proxies))), 0)) as tf.Scalar,
    );
  }
}

test('a finite loss with a NaN gradient stops too, naming the variable; no weight moved', async () => {
  const o = { ...setup('nan-grad'), loss: new NanGradientLoss(TRAIN_CLASSES, 8, 12) };
  const w2 = Array.from(o.model.w2.dataSync());
  await assert.rejects(train(o), (err: Error) => {
    assert.match(
      err.message,
      /^a gradient is not finite at epoch 0 step 0 \(global step 0\): loss [\d.]+; NaN or Infinity in the gradient of loss\/0; the update was not applied/,
    );
    assert.match(err.message, /no checkpoint had been written yet/);
    return true;
  });
  assert.deepEqual(Array.from(o.model.w2.dataSync()), w2);
  dispose(o);
});

/** TinyMlp whose embeddings turn NaN with `poison`, or whose w1 gets a NaN gradient (finite values) with `poisonGradient`. */
class PoisonableMlp extends TinyMlp {
  poison = false;
  poisonGradient = false;
  embed(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const z = super.embed(images, training);
    if (this.poisonGradient)
      return tf.tidy(() => {
        const r = tf.add(z, tf.mul(tf.sum(tf.sqrt(tf.sub(this.w1, this.w1))), 0)) as tf.Tensor2D;
        z.dispose();
        return r;
      });
    if (!this.poison) return z;
    return tf.tidy(() => {
      const r = tf.mul(z, NaN) as tf.Tensor2D;
      z.dispose();
      return r;
    });
  }
}

test('SEE: the loss terms of a NaN step are named, recomputed from the same random state, which is then put back', async () => {
  const model = new PoisonableMlp(3, 16, 8);
  const loss = new SeeProxyAnchorLoss({ numClasses: TRAIN_CLASSES, embeddingDim: 8, n: 4, seed: 1, threshold: 0.5, lambda: 0.2 });
  const [batch] = [...new SyntheticSource(data, TRAIN_CLASSES, 1).epoch(0, 3)];
  const before = loss.getRandomState();
  const value = tf.tidy(() => loss.compute(model.embed(batch.images, true), batch.labels));
  const total = (await value.data())[0];
  value.dispose();
  const afterStep = loss.getRandomState();
  assert.notDeepEqual(afterStep, before, 'the step drew expansion noise');
  const terms = await lossTermsOf(model, loss, batch, before);
  assert.deepEqual(Object.keys(terms), ['Proxy-Anchor on the batch', 'Proxy-Anchor on the synthetic points (x lambda 0.2)']);
  const [t1, t2] = Object.values(terms);
  assert.ok(t2 > 0, 'something was expanded');
  assert.ok(Math.abs(t1 + 0.2 * t2 - total) < 1e-5, `terms ${t1} + 0.2 x ${t2} give the step's loss ${total}`);
  assert.deepEqual(loss.getRandomState(), afterStep);
  // through the loop: a NaN gradient with a finite loss names the terms
  model.poisonGradient = true;
  const o = { ...setup('see-nan-grad'), model, loss: loss as unknown as TinyProxyLoss, config: { ...config, warmupEpochs: 0 } };
  await assert.rejects(
    train(o),
    /a gradient is not finite at epoch 0 step 0 \(global step 0\): loss [\d.]+; loss terms: Proxy-Anchor on the batch [\d.]+, Proxy-Anchor on the synthetic points \(x lambda 0\.2\) [\d.]+; NaN or Infinity in the gradient of model\/w1; the update/,
  );
  // NaN embeddings: SEE's expansion refuses them; a non-finite step all the same (stop, or skip when asked)
  model.poisonGradient = false;
  model.poison = true;
  const p = { ...setup('see-nan'), model, loss: loss as unknown as TinyProxyLoss, config: { ...config, warmupEpochs: 0 } };
  await assert.rejects(
    train(p),
    /loss is NaN at epoch 0 step 0 \(global step 0\); the loss cannot be computed: expandFromHost: embeddings \(or their proxies\) row 0 contains NaN or Inf; the update was not applied/,
  );
  const q = {
    ...setup('see-nan-skip'),
    model,
    loss: loss as unknown as TinyProxyLoss,
    config: { ...config, epochs: 1, warmupEpochs: 0, nonFinite: 'skip' as const },
    evaluate: async () => ({ recallAtK: { 1: 0 } }),
  };
  assert.equal((await train(q)).skippedSteps, 5);
  tf.dispose([batch.images, batch.labels]);
  model.dispose();
  loss.dispose();
});

test('evaluation refuses NaN embeddings naming the image; the loop adds where the run stands and writes no metrics', async () => {
  const dir = join(root, 'images');
  mkdirSync(dir);
  const samples = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const path = join(dir, `img${i}.png`);
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 40 * i + 20, g: 90, b: 200 - 30 * i } } })
        .png()
        .toFile(path);
      return { path, label: i >> 1 };
    }),
  );
  const spec = {
    mode: 'eval' as const,
    size: 4,
    resizeTo: 4,
    mean: [0, 0, 0] as [number, number, number],
    std: [1, 1, 1] as [number, number, number],
  };
  const model = new PoisonableMlp(5);
  const evaluate = datasetEvaluator({ samples, spec, ks: [1, 2] });
  assert.ok((await evaluate(model, 0)).recallAtK['1'] >= 0);
  model.poison = true;
  const before = tf.memory().numTensors;
  await assert.rejects(evaluate(model, 0), new RegExp(`evaluation refused: the embedding of ${samples[0].path} \\(item 0\\) contains NaN`));
  assert.equal(tf.memory().numTensors, before, 'nothing left behind');
  assert.throws(
    () => datasetEvaluator({ samples, spec, ks: [1, 4] }),
    /evaluation K values \[1, 4\] on 4 images \(each query ranked against the other 3\): K = 4 is larger than the 3 references/,
  );
  const o = setup('eval-nan', {
    config: { ...config, epochs: 2, evalFreq: 1, warmupEpochs: 0 },
    evaluate: async () => {
      throw new Error('evaluation refused: the embedding of x.png (item 0) contains NaN');
    },
  });
  await assert.rejects(train(o), /evaluation refused[\s\S]*run eval-nan stopped at epoch 0 step 5; no checkpoint had been written yet/);
  assert.equal(o.runDir.readMetrics(), undefined);
  assert.equal(o.runDir.hasCheckpoint(), false);
  dispose(o, { model, loss: { dispose: () => undefined } });
});
