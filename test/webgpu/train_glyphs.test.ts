/**
 * End to end on webgpu: the glyph-size network (`resnet_small.demo`, 32 px) trains with SEE
 * through the kit's loop (step, AdamW, checkpoint, resume, evaluation), its progress events
 * report GPU memory, nothing leaks, and the first step's loss equals the wasm backend's (there on
 * 2 worker threads). With SEE_WORKERS=2 the webgpu run takes the single-thread step and its log
 * says why (workers are for wasm only).
 * Run by `npm run test:webgpu` (on lavapipe in CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, initBackend } from '../../lib/tf';
import { RunDir } from '../../lib/train/run_dir';
import { tinySeeRun, type TinyRun } from '../helpers/tiny_see_run';

/** the run, and the training step its start and resume events name */
async function runOn(backend: 'webgpu' | 'wasm'): Promise<TinyRun & { steps: string[] }> {
  await initBackend(backend, { quiet: true });
  const dir = mkdtempSync(join(tmpdir(), `see-${backend}-`));
  const before = tf.memory().numTensors;
  const saved = process.env.SEE_WORKERS;
  process.env.SEE_WORKERS = '2';
  try {
    const run = await tinySeeRun(dir, { epochs: 1, steps: 3, batch: 12 });
    assert.equal(tf.memory().numTensors, before, `${backend}: the run left tensors behind`);
    const events = new RunDir(dir).readLog().filter((e) => e.kind === 'event' && (e.event === 'start' || e.event === 'resume'));
    return { ...run, steps: events.map((e) => String((e as { trainStep?: unknown }).trainStep)) };
  } finally {
    if (saved === undefined) delete process.env.SEE_WORKERS;
    else process.env.SEE_WORKERS = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('SEE trains the glyph-size network on webgpu end to end, as on wasm', async () => {
  const gpu = await runOn('webgpu');
  const wasm = await runOn('wasm');
  assert.equal(gpu.events.length, 6, 'two epochs of three steps (one, then one resumed)');
  assert.ok(
    gpu.events.every((e) => Number.isFinite(e.loss)),
    `losses ${gpu.events.map((e) => e.loss)}`,
  );
  assert.ok(
    gpu.events.every((e) => e.gpuMb && e.gpuMb.inUse > 0 && e.gpuMb.pooled >= e.gpuMb.inUse),
    'progress events report GPU memory',
  );
  assert.ok(
    wasm.events.every((e) => e.gpuMb === undefined),
    'no GPU memory off webgpu',
  );
  const [g, w] = [gpu.events[0].loss, wasm.events[0].loss];
  assert.ok(Math.abs(g - w) < 1e-4 * Math.max(1, Math.abs(w)), `first-step loss webgpu ${g} vs wasm ${w}`);
  assert.deepEqual(
    gpu.steps.map((t) => /^single-thread training step \(SEE_WORKERS applies to the wasm backend only; this run is on webgpu\)/.test(t)),
    [true, true],
    gpu.steps.join(' | '),
  );
  assert.deepEqual(
    wasm.steps.map((t) => /^data-parallel training step on 2 worker threads/.test(t)),
    [true, true],
    wasm.steps.join(' | '),
  );
  const r1 = gpu.resumed.last.test.recallAtK['1'];
  assert.ok(r1 >= 0 && r1 <= 1 && gpu.resumed.epochs === 2, `resumed run: ${JSON.stringify(gpu.resumed.last)}`);
});
