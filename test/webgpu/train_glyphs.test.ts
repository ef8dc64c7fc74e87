/**
 * End to end on webgpu: the glyph-size network (`resnet_small.demo`, 32 px) trains with SEE
 * through the kit's loop (step, AdamW, checkpoint, resume, evaluation), its progress events
 * report GPU memory, nothing leaks, and the first step's loss equals the wasm backend's.
 * Run by `npm run test:webgpu` (on lavapipe in CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, initBackend } from '../../lib/tf';
import { tinySeeRun, type TinyRun } from '../helpers/tiny_see_run';

async function runOn(backend: 'webgpu' | 'wasm'): Promise<TinyRun> {
  await initBackend(backend, { quiet: true });
  const dir = mkdtempSync(join(tmpdir(), `see-${backend}-`));
  const before = tf.memory().numTensors;
  try {
    const run = await tinySeeRun(dir, { epochs: 1, steps: 3, batch: 12 });
    assert.equal(tf.memory().numTensors, before, `${backend}: the run left tensors behind`);
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('SEE trains the glyph-size network on webgpu end to end, as on wasm', async () => {
  const gpu = await runOn('webgpu');
  const wasm = await runOn('wasm');
  assert.equal(gpu.events.length, 6, 'two epochs of three steps (one, then one resumed)');
  assert.ok(gpu.events.every((e) => Number.isFinite(e.loss)), `losses ${gpu.events.map((e) => e.loss)}`);
  assert.ok(gpu.events.every((e) => e.gpuMb && e.gpuMb.inUse > 0 && e.gpuMb.pooled >= e.gpuMb.inUse), 'progress events report GPU memory');
  assert.ok(wasm.events.every((e) => e.gpuMb === undefined), 'no GPU memory off webgpu');
  const [g, w] = [gpu.events[0].loss, wasm.events[0].loss];
  assert.ok(Math.abs(g - w) < 1e-4 * Math.max(1, Math.abs(w)), `first-step loss webgpu ${g} vs wasm ${w}`);
  const r1 = gpu.resumed.last.test.recallAtK['1'];
  assert.ok(r1 >= 0 && r1 <= 1 && gpu.resumed.epochs === 2, `resumed run: ${JSON.stringify(gpu.resumed.last)}`);
});
