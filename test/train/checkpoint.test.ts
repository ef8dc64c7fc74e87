import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initBackend, tf } from '../../lib/tf';
import { AdamW } from '../../lib/train/adamw';
import { writeFileAtomic } from '../../lib/train/atomic_write';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../lib/train/checkpoint';
import { buildParamGroups } from '../../lib/train/param_groups';
import { formatDuration, formatProgress, ThroughputMeter } from '../../lib/train/progress';
import { Sfc32 } from '../../lib/random';
import { claimNewRunDir, loggedBefore, makeRunId, RunDir } from '../../lib/train/run_dir';
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
  await saveCheckpoint(
    path,
    { model: a.model, loss: a.loss, optimizer: optA },
    { epoch: 4, globalStep: 17, rng: [1, 2, 3, 4], extra: { note: 'x' } },
  );
  assert.deepEqual(readdirSync(root), ['c1.safetensors']);
  const b = { model: new TinyMlp(50), loss: new TinyProxyLoss(3, 8, 51) };
  const optB = new AdamW(buildParamGroups(b.model, b.loss, 0.01));
  const ck = readCheckpoint(path);
  assert.deepEqual(ck.state, { epoch: 4, globalStep: 17, rng: [1, 2, 3, 4], extra: { note: 'x' } });
  await restoreCheckpoint(ck, { model: b.model, loss: b.loss, optimizer: optB });
  assert.deepEqual(Array.from(b.model.w1.dataSync()), Array.from(a.model.w1.dataSync()));
  assert.deepEqual(Array.from(b.loss.proxies.dataSync()), Array.from(a.loss.proxies.dataSync()));
  const [sa, sb] = [await optA.getState(), await optB.getState()];
  assert.deepEqual([...sb.keys()], [...sa.keys()]);
  assert.deepEqual(Array.from(sb.get('head/0')!.v), Array.from(sa.get('head/0')!.v));
  assert.equal(sb.get('proxies/0')!.step, 1);
  tf.dispose(grads);
  for (const x of [a, b]) {
    x.model.dispose();
    x.loss.dispose();
  }
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
  await assert.rejects(
    () => restoreCheckpoint(readCheckpoint(path), wide, path),
    /"model\/w1" has shape \[48,16\], the model expects \[48,12\]/,
  );
  const bad = join(root, 'bad.safetensors');
  writeFileSync(bad, 'xyz');
  assert.throws(() => readCheckpoint(bad), /bad\.safetensors: 3 bytes/);
  assert.throws(() => readCheckpoint(join(root, 'none')), /does not exist/);
  for (const x of [small, wide]) {
    x.model.dispose();
    x.loss.dispose();
  }
  opt.dispose();
});

test('claimNewRunDir: two runs of one name in the same second get two folders (-2), each made once', () => {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  const parent = join(root, 'claims');
  const first = claimNewRunDir(parent, 'demo-proxy_anchor', at);
  const second = claimNewRunDir(parent, 'demo-proxy_anchor', at);
  const third = claimNewRunDir(parent, 'demo-proxy_anchor', at);
  assert.deepEqual(
    [first.id, second.id, third.id],
    ['demo-proxy_anchor-20260102-030405', 'demo-proxy_anchor-20260102-030405-2', 'demo-proxy_anchor-20260102-030405-3'],
  );
  assert.equal(claimNewRunDir(parent, 'demo-proxy_anchor', new Date(at.getTime() + 1000)).id, 'demo-proxy_anchor-20260102-030406');
  assert.equal(readdirSync(parent).length, 4);
});

test('RunDir writes config, log and metrics; truncateLogAfter drops records of later epochs', () => {
  const d = new RunDir(join(root, makeRunId('SEE De^128/cub', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))));
  assert.equal(d.id, 'SEE_De^128_cub-20260102-030405');
  d.writeConfig({ a: 1 });
  for (const epoch of [0, 0, 1, 2]) d.log({ kind: 'step', epoch });
  d.truncateLogAfter(1);
  assert.deepEqual(
    d.readLog().map((r) => r.epoch),
    [0, 0, 1],
  );
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

test('a checkpoint carries a SHA-256 checksum; a load refuses any damage or edit; format 1 (no checksum) still reads', async () => {
  await initBackend('cpu', { quiet: true });
  const parts = { model: new TinyMlp(1), loss: new TinyProxyLoss(3, 8, 2) };
  const opt = new AdamW(buildParamGroups(parts.model, parts.loss, 0.01));
  const path = join(root, 'sum.safetensors');
  await saveCheckpoint(path, { ...parts, optimizer: opt }, { epoch: 2, globalStep: 9, rng: [1, 2, 3, 4], extra: {} });
  assert.equal(readCheckpoint(path).checksum, 'verified');
  const good = readFileSync(path);
  const headerEnd = 8 + Number(good.readBigUInt64LE(0));
  const damaged = (at: number, value?: number): string => {
    const b = Buffer.from(good);
    b[at] = value ?? b[at] ^ 0x01;
    const p = join(root, `damaged-${at}.safetensors`);
    writeFileSync(p, b);
    return p;
  };
  assert.throws(
    () => readCheckpoint(damaged(good.length - 3)),
    /checksum mismatch \(stored sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64}\); the checkpoint was damaged/,
  );
  // an edit of the loop state that keeps the header valid JSON: "epoch":2 -> "epoch":3
  const epochAt = good.indexOf('\\"epoch\\":2') + '\\"epoch\\":'.length;
  assert.ok(epochAt > 8 && epochAt < headerEnd);
  assert.throws(() => readCheckpoint(damaged(epochAt, '3'.charCodeAt(0))), /checksum mismatch/);
  const cut = join(root, 'cut.safetensors');
  writeFileSync(cut, good.subarray(0, good.length - 100));
  assert.throws(() => readCheckpoint(cut), /cut\.safetensors: checksum mismatch/);
  // format 1 files predate checksums: read, reported as such
  const header = JSON.parse(good.subarray(8, headerEnd).toString('utf8'));
  delete header.__metadata__.checksum;
  header.__metadata__.format = 'see-kit-checkpoint/1';
  const json = Buffer.from(JSON.stringify(header));
  const v1 = Buffer.concat([Buffer.alloc(8), json, good.subarray(headerEnd)]);
  v1.writeBigUInt64LE(BigInt(json.length), 0);
  writeFileSync(join(root, 'v1.safetensors'), v1);
  const old = readCheckpoint(join(root, 'v1.safetensors'));
  assert.equal(old.checksum, 'absent');
  assert.equal(old.state.epoch, 2);
  // format 2 with the checksum removed is an alteration
  header.__metadata__.format = 'see-kit-checkpoint/2';
  const json2 = Buffer.from(JSON.stringify(header));
  const v2 = Buffer.concat([Buffer.alloc(8), json2, good.subarray(headerEnd)]);
  v2.writeBigUInt64LE(BigInt(json2.length), 0);
  writeFileSync(join(root, 'v2.safetensors'), v2);
  assert.throws(() => readCheckpoint(join(root, 'v2.safetensors')), /without its checksum/);
  parts.model.dispose();
  parts.loss.dispose();
  opt.dispose();
});

test('a failed atomic write leaves the target as it was and no temporary file', () => {
  const dir = join(root, 'atomic');
  mkdirSync(dir);
  writeFileAtomic(join(dir, 'a.json'), 'old');
  mkdirSync(join(dir, 'b.json')); // renaming a file over a folder fails
  assert.throws(
    () => writeFileAtomic(join(dir, 'b.json'), 'new'),
    /cannot write .*b\.json \((EISDIR|EEXIST|ENOTEMPTY|EPERM): .*\); b\.json was left as it was/,
  );
  assert.deepEqual(readdirSync(dir).sort(), ['a.json', 'b.json']);
  assert.equal(readFileSync(join(dir, 'a.json'), 'utf8'), 'old');
});

test("log truncation keeps what came before a position and the run's life events; a torn last line is dropped", () => {
  const d = new RunDir(join(root, 'positions'));
  const records = [
    { kind: 'event', epoch: 0, event: 'start' },
    { kind: 'step', epoch: 0, step: 0 },
    { kind: 'step', epoch: 0, step: 1 },
    { kind: 'epoch', epoch: 0 },
    { kind: 'eval', epoch: 0 },
    { kind: 'step', epoch: 1, step: 0 },
    { kind: 'event', epoch: 1, step: 1, event: 'skipped non-finite step' },
    { kind: 'step', epoch: 1, step: 1 },
    { kind: 'event', epoch: 1, step: 2, event: 'failed' },
  ] as const;
  for (const r of records) d.log({ ...r });
  appendFileSync(d.logPath, '{"kind":"step","epo'); // a write torn by SIGKILL
  assert.equal(d.readLog().length, records.length);
  assert.deepEqual(
    d
      .readLog()
      .filter((r) => !loggedBefore(r, { epoch: 1, step: 1 }))
      .map((r) => r.step),
    [1],
  );
  d.truncateLogAt({ epoch: 1, step: 1 });
  assert.deepEqual(
    d.readLog().map((r) => `${r.kind}:${r.epoch}:${r.step ?? ''}:${r.event ?? ''}`),
    [
      'event:0::start',
      'step:0:0:',
      'step:0:1:',
      'epoch:0::',
      'eval:0::',
      'step:1:0:',
      'event:1:1:skipped non-finite step',
      'event:1:2:failed',
    ],
  );
  d.truncateLogAt({ epoch: 0, step: 0 });
  assert.deepEqual(
    d.readLog().map((r) => r.event),
    ['start', 'failed'],
  );
  writeFileSync(join(d.path, '.checkpoint.safetensors.123.456.tmp'), 'partial');
  assert.deepEqual(d.removeStaleTemporaries(), ['.checkpoint.safetensors.123.456.tmp']);
  assert.deepEqual(readdirSync(d.path), ['log.jsonl']);
});
