/**
 * Training arithmetic on webgpu against the cpu backend, to the audit's tolerance (1e-4): the SEE
 * Proxy-Anchor loss in the training step's form (batch term in the tape, expansion term after it)
 * and AdamW over several steps. The ResNet-50 and ViT-S/16 op sequences are audited by
 * test/backend/wasm_training_audit.test.ts with SEE_BACKEND=webgpu. Run by `npm run test:webgpu`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { AdamW } from '../../lib/train/adamw';
import { maxRelDiff, seededUniform } from '../backend/random';
import { seeGrads } from '../helpers/see_split';

test('SEE Proxy-Anchor on webgpu (training-step form) equals cpu: value, embedding and proxy gradients', async () => {
  await initBackend('cpu', { quiet: true });
  const cpu = await seeGrads('compute');
  await initBackend('webgpu', { quiet: true });
  const before = tf.memory().numTensors;
  const gpu = await seeGrads('split');
  assert.equal(tf.memory().numTensors, before, 'webgpu: tensors leaked');
  assert.ok(gpu.numSynthetic > 0 && gpu.numSynthetic === cpu.numSynthetic, `synthetic points ${gpu.numSynthetic} vs ${cpu.numSynthetic}`);
  assert.ok(Math.abs(gpu.loss - cpu.loss) < 1e-4 * Math.max(1, Math.abs(cpu.loss)), `loss webgpu ${gpu.loss} vs cpu ${cpu.loss}`);
  assert.ok(maxRelDiff(gpu.dx, cpu.dx) < 1e-4, `embedding gradients differ by ${maxRelDiff(gpu.dx, cpu.dx)}`);
  assert.ok(maxRelDiff(gpu.dp, cpu.dp) < 1e-4, `proxy gradients differ by ${maxRelDiff(gpu.dp, cpu.dp)}`);
});

async function adamwRun(backend: 'webgpu' | 'cpu'): Promise<Float32Array[]> {
  await initBackend(backend, { quiet: true });
  const u = seededUniform(51);
  const shapes = [[64, 32], [32], [10, 32]];
  const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(u(s.reduce((a, b) => a * b)), s), true, `adamw_${backend}_${i}`)));
  const opt = new AdamW([
    { name: 'backbone', variables: vars.slice(0, 2), weightDecay: 1e-2 },
    { name: 'proxies', variables: vars.slice(2), weightDecay: 1e-2 },
  ]);
  for (let s = 0; s < 6; s++) {
    const grads = Object.fromEntries(vars.map((v) => [v.name, tf.tensor(u(v.size, -2, 2), v.shape)]));
    opt.step(grads, { backbone: s < 2 ? 0 : 1e-3, proxies: 1e-2 });
    tf.dispose(Object.values(grads));
  }
  const out = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
  opt.dispose();
  tf.dispose(vars);
  return out;
}

test('AdamW on webgpu equals cpu over 6 steps (two groups, warm-up freeze)', async () => {
  const cpu = await adamwRun('cpu');
  const gpu = await adamwRun('webgpu');
  gpu.forEach((g, i) => {
    const d = maxRelDiff(g, cpu[i]);
    assert.ok(d < 1e-5, `variable ${i}: webgpu vs cpu differ by ${d}`);
  });
  assert.ok(maxRelDiff(gpu[0], await adamwStart()) > 1e-4, 'the backbone did not move');
});

async function adamwStart(): Promise<Float32Array> {
  return seededUniform(51)(64 * 32);
}
