import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import { AdamW } from '../../lib/train/adamw';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { getRow } from '../../lib/experiments/registry';
import { trainConfigOf } from '../../lib/experiments/row_config';
import type { Evaluator } from '../../lib/train/contracts';
import { isOfficialEvalEpoch, train, shouldEvaluate, type TrainOptions } from '../../lib/train/loop';
import { buildParamGroups } from '../../lib/train/param_groups';
import { collectingProgress, type ProgressEvent } from '../../lib/train/progress';
import { RunDir } from '../../lib/train/run_dir';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../lib/train/train_config';
import { NonFiniteLossError, trainStep } from '../../lib/train/train_step';
import { assertNoTensorLeak } from '../helpers/leaks';
import { SyntheticData, SyntheticSource, TinyMlp, TinyProxyLoss, makeEvaluator } from './doubles';

const root = mkdtempSync(join(tmpdir(), 'see-train-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TRAIN_CLASSES = 6;
const data = new SyntheticData(10, 7);
const testSet = data.fixedSet(TRAIN_CLASSES, 10, 4, 99);
const valSet = data.fixedSet(0, TRAIN_CLASSES, 3, 98);

const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 4,
  lr: 0.1,
  globalBatch: 8,
  fcLrScale: 1,
  proxyLrScale: 10,
  warmupEpochs: 1,
  weightDecay: 1e-4,
  evalFreq: 2,
  seed: 5,
};

function setup(
  name: string,
  opts: Partial<TrainOptions> = {},
  source = new SyntheticSource(data, TRAIN_CLASSES, 5),
): TrainOptions & { model: TinyMlp; loss: TinyProxyLoss } {
  return {
    config,
    model: new TinyMlp(11),
    loss: new TinyProxyLoss(TRAIN_CLASSES, 8, 12),
    data: source,
    evaluate: makeEvaluator(testSet),
    runDir: new RunDir(join(root, name)),
    ...opts,
  } as TrainOptions & { model: TinyMlp; loss: TinyProxyLoss };
}

test('evaluation schedule: every evalFreq epochs from max(warm-up, evalFrom), and the last epoch', () => {
  const c = { ...config, epochs: 10, evalFreq: 3, warmupEpochs: 1, evalFrom: 4 };
  const evaluated = Array.from({ length: 10 }, (_, e) => e).filter((e) => shouldEvaluate(c, e));
  assert.deepEqual(evaluated, [6, 9]);
});

test('tiny run end to end: trains, logs, checkpoints, records best and last epoch, validation selection', async () => {
  await initBackend('cpu', { quiet: true });
  const events: ProgressEvent[] = [];
  const o = setup('e2e', { validate: makeEvaluator(valSet), progress: collectingProgress(events) });
  const w1Before = Array.from(o.model.w1.dataSync());
  const w2Before = Array.from(o.model.w2.dataSync());
  const before = tf.memory().numTensors;
  const m = await train(o);
  assert.equal(tf.memory().numTensors, before, 'train() leaves no tensors behind');
  // epochs evaluated: 2 (evalFreq 2, >= warm-up 1) and 3 (last)
  assert.deepEqual(
    m.history.map((r) => r.epoch),
    [2, 3],
  );
  assert.equal(m.last.epoch, 3);
  const r1 = m.history.map((r) => r.test.recallAtK['1']);
  assert.equal(m.best.test.recallAtK['1'], Math.max(...r1));
  assert.ok(m.selectedByValidation && m.history.some((r) => r.epoch === m.selectedByValidation!.epoch));
  assert.deepEqual(o.loss.epochsSeen, [0, 1, 2, 3], 'epoch hook called once per epoch');
  assert.equal(events.length, 4 * 5);
  const log = o.runDir.readLog();
  const start = log.find((r) => r.event === 'start');
  assert.ok(start && /backend \w+/.test(String(start.backend)) && start.node === process.version, 'the log says where the run ran');
  assert.equal(log.filter((r) => r.kind === 'step').length, 20);
  assert.equal(log.filter((r) => r.kind === 'epoch').length, 4);
  const step0 = log.find((r) => r.kind === 'step') as unknown as { lr: Record<string, number>; expansionRate: number };
  assert.equal(step0.lr.backbone, 0, 'backbone frozen during warm-up');
  assert.ok(Math.abs(step0.lr.proxies - ((0.1 * 8) / 180) * 10) < 1e-12);
  assert.equal(step0.expansionRate, 1, 'loss stats are logged');
  const epochLosses = log.filter((r) => r.kind === 'epoch').map((r) => r.loss as number);
  assert.ok(epochLosses[3] < epochLosses[0], `loss went down: ${epochLosses}`);
  assert.deepEqual(o.runDir.readMetrics(), JSON.parse(JSON.stringify(m)));
  assert.equal(o.runDir.readConfig<{ train: TrainConfig }>().train.epochs, 4);
  assert.deepEqual(readdirSync(o.runDir.path).sort(), ['checkpoint.safetensors', 'config.json', 'log.jsonl', 'metrics.json']);
  const ck = readCheckpoint(o.runDir.checkpointPath);
  assert.equal(ck.state.epoch, 3);
  assert.equal(ck.state.globalStep, 20);
  assert.deepEqual(Array.from(ck.tensors.get('model/w2')!.data), Array.from(o.model.w2.dataSync()));
  assert.notDeepEqual(Array.from(o.model.w1.dataSync()), w1Before);
  assert.notDeepEqual(Array.from(o.model.w2.dataSync()), w2Before);
  o.model.dispose();
  o.loss.dispose();
});

test('best epoch: chosen among the official evaluation epochs only; the extra last epoch is recorded beside it (SOP)', async () => {
  await initBackend('cpu', { quiet: true });
  // SOP's official schedule: every 5 epochs from 40 up to 145; the kit also evaluates the last epoch, 149
  const sop = trainConfigOf(getRow('see-de128-sop'));
  const evaluated = Array.from({ length: sop.epochs }, (_, e) => e).filter((e) => shouldEvaluate(sop, e));
  assert.deepEqual(evaluated, [...Array.from({ length: 22 }, (_, i) => 40 + 5 * i), 149]);
  assert.deepEqual(
    evaluated.filter((e) => isOfficialEvalEpoch(sop, e)),
    evaluated.slice(0, -1),
  );
  // the same shape in 7 epochs: official 0 and 5, the last (6) evaluated too; recall rises every epoch
  const rising: Evaluator = async (_model, epoch) => ({ recallAtK: { 1: 0.1 + epoch / 100, 2: 0.5 } });
  const o = setup('best-official', {
    config: { ...config, epochs: 7, evalFreq: 5, evalFrom: 0, warmupEpochs: 0, checkpointEvery: 7 },
    evaluate: rising,
  });
  const m = await train(o);
  assert.deepEqual(
    m.history.map((r) => r.epoch),
    [0, 5, 6],
  );
  assert.equal(m.best.epoch, 5, 'the last epoch (6) is not an official evaluation epoch and does not compete');
  assert.equal(m.bestFrom, 'official');
  assert.deepEqual([m.last.epoch, m.last.test.recallAtK['1']], [6, 0.16]);
  o.model.dispose();
  o.loss.dispose();
  // a run too short to reach an official evaluation epoch reports its last epoch, and says so
  const short = setup('best-last', { config: { ...config, epochs: 1, warmupEpochs: 1 }, evaluate: rising });
  const ms = await train(short);
  assert.deepEqual([ms.best.epoch, ms.bestFrom, ms.last.epoch], [0, 'last', 0]);
  short.model.dispose();
  short.loss.dispose();
});

test('warm-up freeze: after epoch 0 only, the backbone is unchanged and the head has moved', async () => {
  await initBackend('cpu', { quiet: true });
  const o = setup('freeze', { config: { ...config, epochs: 1, warmupEpochs: 1 } });
  const w1 = Array.from(o.model.w1.dataSync());
  const w2 = Array.from(o.model.w2.dataSync());
  await train(o);
  assert.deepEqual(Array.from(o.model.w1.dataSync()), w1);
  assert.notDeepEqual(Array.from(o.model.w2.dataSync()), w2);
  o.model.dispose();
  o.loss.dispose();
});

test('resume: a run killed in epoch 2 and resumed equals the uninterrupted run (same seed)', async () => {
  await initBackend('cpu', { quiet: true });
  const full = setup('full');
  const mFull = await train(full);
  const killed = setup('killed', {}, new SyntheticSource(data, TRAIN_CLASSES, 5, 4, { epoch: 2, step: 3 }));
  await assert.rejects(train(killed), /simulated kill/);
  assert.equal(readCheckpoint(killed.runDir.checkpointPath).state.epoch, 1);
  killed.model.dispose();
  killed.loss.dispose();
  // a fresh process: new model and loss (different init on purpose), everything comes from the checkpoint
  const resumed = { ...setup('killed'), model: new TinyMlp(123), loss: new TinyProxyLoss(TRAIN_CLASSES, 8, 456), resume: true };
  const mRes = await train(resumed);
  assert.deepEqual(Array.from(resumed.model.w1.dataSync()), Array.from(full.model.w1.dataSync()));
  assert.deepEqual(Array.from(resumed.loss.proxies.dataSync()), Array.from(full.loss.proxies.dataSync()));
  assert.deepEqual(mRes.history, mFull.history);
  const stepLosses = (d: RunDir): number[] =>
    d
      .readLog()
      .filter((r) => r.kind === 'step')
      .map((r) => r.loss as number);
  assert.deepEqual(stepLosses(resumed.runDir), stepLosses(full.runDir), 'log has each step once, same values');
  for (const o of [full, resumed]) {
    o.model.dispose();
    o.loss.dispose();
  }
});

test('NaN loss stops the run with a clear message; the last good checkpoint is intact', async () => {
  await initBackend('cpu', { quiet: true });
  const o = setup('nan', { config: { ...config, epochs: 3 } });
  const poisonAt = { epoch: 1 };
  const realHook = o.loss.setEpoch.bind(o.loss);
  o.loss.setEpoch = (e: number): void => {
    realHook(e);
    o.loss.poison = e === poisonAt.epoch;
  };
  await assert.rejects(train(o), (err: Error) => {
    assert.ok(err instanceof NonFiniteLossError);
    assert.match(err.message, /loss is NaN at epoch 1 step 0/);
    assert.match(err.message, /last good checkpoint \(epoch 0\) is intact/);
    return true;
  });
  const ck = readCheckpoint(o.runDir.checkpointPath);
  assert.equal(ck.state.epoch, 0);
  assert.deepEqual(Array.from(ck.tensors.get('model/w2')!.data), Array.from(o.model.w2.dataSync()), 'weights not touched by the NaN step');
  assert.equal(o.runDir.readMetrics(), undefined);
  o.model.dispose();
  o.loss.dispose();
});

test('numTensors flat across 20 training steps and across evaluations', async () => {
  await initBackend('cpu', { quiet: true });
  const model = new TinyMlp(3);
  const loss = new TinyProxyLoss(TRAIN_CLASSES, 8, 4);
  const optimizer = new AdamW(buildParamGroups(model, loss, 1e-4));
  const source = new SyntheticSource(data, TRAIN_CLASSES, 21);
  const batches = [...source.epoch(0, 1)];
  await assertNoTensorLeak('trainStep', (i) =>
    trainStep({ model, loss, optimizer, clip: { kind: 'value', value: 10 } }, batches[i + 1], {
      backbone: 1e-3,
      head: 1e-3,
      proxies: 1e-2,
    }),
  );
  await assertNoTensorLeak('trainStep with norm clipping', (i) =>
    trainStep({ model, loss, optimizer, clip: { kind: 'norm', maxNorm: 1 } }, batches[(i + 1) % 21], {
      backbone: 1e-3,
      head: 1e-3,
      proxies: 1e-2,
    }),
  );
  const evaluate = makeEvaluator(testSet);
  await assertNoTensorLeak('evaluate', (i) => evaluate(model, i), 5);
  tf.dispose(batches.flatMap((b) => [b.images, b.labels]));
  optimizer.dispose();
  model.dispose();
  loss.dispose();
});
