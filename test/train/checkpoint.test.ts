import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import { AdamW } from '../../lib/train/adamw';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../lib/train/checkpoint';
import { buildParamGroups } from '../../lib/train/param_groups';
import { formatDuration, formatProgress, ThroughputMeter } from '../../lib/train/progress';
import { Sfc32 } from '../../lib/random';
import { makeRunId, RunDir } from '../../lib/train/run_dir';
import { TinyMlp, TinyProxyLoss } from './doubles';

const root = mkdtempSync(join(tmpdir(), 'see-ckpt-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('checkpoint round trip restores weights, proxies, optimizer moments and loop state; no temp file left', async () => {
  await initBackend('cpu', { quiet: true });
  const a = { model: new TinyMlp(1), loss: new TinyProxyLoss(3, 8, 2) };
  const optA = new AdamW(buildParamGroups(a.model, a.loss, 0.01));
  const grads = tf.tidy(() => Object.fromEntries(optA.variables().map((v) => [v.name, tf.onesLike(v)])));
  optA.step(grads, { backbone: 0.1, head: 0.1, proxies: 0.1 });
  const path = join(root, 'c1.safetensors');
  await saveCheckpoint(path, { model: a.model, loss: a.loss, optimizer: optA }, { epoch: 4, globalStep: 17, rng: [1, 2, 3, 4], extra: { note: 'x' } });
  assert.deepEqual(readdirSync(root), ['c1.safetensors']);
  const b = { model: new TinyMlp(50), loss: new TinyProxyLoss(3, 8, 51) };
  const optB = new AdamW(buildParamGroups(b.model, b.loss, 0.01));
  const ck = readCheckpoint(path);
  assert.deepEqual(ck.state, { epoch: 4, globalStep: 17, rng: [1, 2, 3, 4], extra: { note: 'x' } });
  restoreCheckpoint(ck, { model: b.model, loss: b.loss, optimizer: optB });
  assert.deepEqual(Array.from(b.model.w1.dataSync()), Array.from(a.model.w1.dataSync()));
  assert.deepEqual(Array.from(b.loss.proxies.dataSync()), Array.from(a.loss.proxies.dataSync()));
  const [sa, sb] = [await optA.getState(), await optB.getState()];
  assert.deepEqual([...sb.keys()], [...sa.keys()]);
  assert.deepEqual(Array.from(sb.get('head/0')!.v), Array.from(sa.get('head/0')!.v));
  assert.equal(sb.get('proxies/0')!.step, 1);
  tf.dispose(grads);
  for (const x of [a, b]) { x.model.dispose(); x.loss.dispose(); }
  optA.dispose();
  optB.dispose();
});

test('restore rejects a checkpoint of another shape, naming the tensor; corrupt files are named', async () => {
  await initBackend('cpu', { quiet: true });
  const small = { model: new TinyMlp(1, 16, 8), loss: new TinyProxyLoss(3, 8, 2) };
  const opt = new AdamW(buildParamGroups(small.model, small.loss, 0.01));
  const path = join(root, 'c2.safetensors');
  await saveCheckpoint(path, { ...small, optimizer: opt }, { epoch: 0, globalStep: 1, rng: [0, 0, 0, 1], extra: {} });
  const wide = { model: new TinyMlp(1, 12, 8), loss: new TinyProxyLoss(3, 8, 2) };
  assert.throws(() => restoreCheckpoint(readCheckpoint(path), wide, path), /"model\/w1" has shape \[48,16\], the model expects \[48,12\]/);
  const bad = join(root, 'bad.safetensors');
  writeFileSync(bad, 'xyz');
  assert.throws(() => readCheckpoint(bad), /bad\.safetensors: 3 bytes/);
  assert.throws(() => readCheckpoint(join(root, 'none')), /does not exist/);
  for (const x of [small, wide]) { x.model.dispose(); x.loss.dispose(); }
  opt.dispose();
});

test('RunDir writes config, log and metrics; truncateLogAfter drops records of later epochs', () => {
  const d = new RunDir(join(root, makeRunId('SEE De^128/cub', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))));
  assert.equal(d.id, 'SEE_De^128_cub-20260102-030405');
  d.writeConfig({ a: 1 });
  for (const epoch of [0, 0, 1, 2]) d.log({ kind: 'step', epoch });
  d.truncateLogAfter(1);
  assert.deepEqual(d.readLog().map((r) => r.epoch), [0, 0, 1]);
  assert.equal(d.readMetrics(), undefined);
  d.writeMetrics({ ok: true });
  assert.deepEqual(d.readMetrics(), { ok: true });
  assert.deepEqual(d.readConfig(), { a: 1 });
});

test('Sfc32 state round trip and progress formatting', () => {
  const r = new Sfc32(3);
  r.next();
  const s = r.getState();
  const x = [r.nextUint32(), r.nextUint32()];
  const r2 = new Sfc32(99);
  r2.setState(s);
  assert.deepEqual([r2.nextUint32(), r2.nextUint32()], x);
  assert.notEqual(new Sfc32(1).nextUint32(), new Sfc32(2).nextUint32());
  assert.throws(() => r2.setState([1, 2]), /four unsigned/);
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(
    formatProgress({ epoch: 0, epochs: 10, step: 4, stepsPerEpoch: 32, loss: 1.23456, imagesPerSecond: 12.345, etaSeconds: 90 }),
    'epoch 1/10 | step 5/32 | loss 1.2346 | 12.3 img/s | ETA 1:30',
  );
  let t = 0;
  const meter = new ThroughputMeter(4, () => t);
  t = 2000;
  assert.deepEqual(meter.record(10), { imagesPerSecond: 5, etaSeconds: 6 });
});
