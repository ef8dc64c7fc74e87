/**
 * WebGPU under Node cannot read a tensor synchronously, so lib/ reads asynchronously on every
 * path that training or evaluation takes. Two checks:
 * - a scan of lib/: no dataSync/arraySync/bufferSync outside lib/backend/host_values.ts, whose
 *   single synchronous read serves direct calls on cpu/wasm (notebooks, tests), and the training
 *   worker's one read inside its tape (lib/train/parallel/train_worker.ts, wasm only);
 * - a tiny SEE training run (train step, AdamW, checkpoint, resume, evaluation with tensor
 *   inputs) on the wasm backend with every synchronous read made to throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { tf, initBackend } from '../../lib/tf';
import { tinySeeRun } from '../helpers/tiny_see_run';

const LIB = join(__dirname, '..', '..', 'lib');
const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\s*\(/g;
/** file -> the number of synchronous reads it may hold, and why */
const ALLOWED: Record<string, number> = {
  // hostValues: direct calls on cpu/wasm (notebooks, tests) of a tensor with no host copy
  'backend/host_values.ts': 1,
  // the data-parallel step's worker hands its embeddings over from inside its gradient tape (wasm only)
  'train/parallel/train_worker.ts': 1,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

test('lib/ reads tensors synchronously only in lib/backend/host_values.ts and the training worker', () => {
  const found: string[] = [];
  const files = sourceFiles(LIB);
  assert.ok(files.length > 50, `expected the library's sources under ${LIB}`);
  for (const file of files) {
    const rel = relative(LIB, file);
    const lines = readFileSync(file, 'utf8').split('\n');
    const hits = lines.flatMap((line, i) => (line.match(SYNC_READ) ? [`lib/${rel}:${i + 1}: ${line.trim()}`] : []));
    if (hits.length > (ALLOWED[rel] ?? 0)) found.push(...hits);
  }
  assert.deepEqual(found, [], `synchronous tensor reads fail on WebGPU under Node; read with \`await t.data()\`:\n${found.join('\n')}`);
});

test('a SEE training run with checkpoint, resume and evaluation makes no synchronous read', async () => {
  await initBackend('wasm', { quiet: true });
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync, bufferSync: proto.bufferSync };
  const calls: string[] = [];
  for (const name of Object.keys(saved)) {
    proto[name] = function poisoned(this: tf.Tensor): never {
      calls.push(`${name} on [${this.shape}]: ${new Error().stack?.split('\n').slice(2, 5).join(' <- ')}`);
      throw new Error(`synchronous read (${name}) during training`);
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'see-async-'));
  const before = tf.memory().numTensors;
  try {
    const run = await tinySeeRun(dir, { epochs: 1, steps: 2, batch: 8 });
    assert.equal(run.events.length, 4, 'two epochs of two steps');
    assert.ok(run.events.every((e) => Number.isFinite(e.loss)));
    assert.ok(run.resumed.last.test.recallAtK['1'] >= 0, 'evaluation ran');
  } finally {
    Object.assign(proto, saved);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(calls, []);
  assert.equal(tf.memory().numTensors, before, 'the run left tensors behind');
});
