import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBackendRequest, initBackend, describeBackend, tf } from '../../lib/tf';
import { probeWebGpu } from '../../lib/backend/webgpu_backend';

test('SEE_BACKEND values parse; unknown ones name the choices', () => {
  assert.equal(parseBackendRequest(undefined), 'auto');
  assert.equal(parseBackendRequest(' WASM '), 'wasm');
  assert.equal(parseBackendRequest('WebGPU'), 'webgpu');
  assert.throws(() => parseBackendRequest('gpu'), /SEE_BACKEND="gpu".*auto, tensorflow, webgpu, wasm, cpu/);
});

test('auto falls back to wasm when no native package nor hardware WebGPU adapter is found, and says why', async () => {
  let hasNative = false;
  for (const p of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(p);
      hasNative = true;
    } catch {
      /* absent here */
    }
  }
  const probe = await probeWebGpu(); // lavapipe here (software), none without a Vulkan driver
  const info = await initBackend('auto', { quiet: true });
  assert.equal(tf.getBackend(), info.name);
  if (hasNative) {
    assert.equal(info.name, 'tensorflow');
  } else if (probe.ok && !probe.description.software) {
    assert.equal(info.name, 'webgpu');
  } else {
    assert.equal(info.name, 'wasm');
    assert.equal(info.skipped.length, 3);
    assert.match(info.skipped[2], probe.ok ? /^webgpu: .* is a software adapter, slower than wasm/ : /^webgpu: /);
    assert.match(describeBackend(info), /backend wasm via @tensorflow\/tfjs-backend-wasm, 1 thread\(s\).*tfjs-node-gpu.*webgpu: /);
  }
});

test('an explicit request switches the active backend', async () => {
  const cpu = await initBackend('cpu', { quiet: true });
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const wasm = await initBackend('wasm', { quiet: true });
  assert.equal(wasm.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});
