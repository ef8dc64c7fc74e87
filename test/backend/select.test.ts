import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBackendRequest, initBackend, describeBackend, tf } from '../../lib/tf';

test('SEE_BACKEND values parse; unknown ones name the choices', () => {
  assert.equal(parseBackendRequest(undefined), 'auto');
  assert.equal(parseBackendRequest(' WASM '), 'wasm');
  assert.throws(() => parseBackendRequest('gpu'), /SEE_BACKEND="gpu".*auto, tensorflow, wasm, cpu/);
});

test('auto falls back to wasm when no native package is importable and says why', async () => {
  let hasNative = false;
  for (const p of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try { require.resolve(p); hasNative = true; } catch { /* absent here */ }
  }
  const info = await initBackend('auto', { quiet: true });
  assert.equal(tf.getBackend(), info.name);
  if (hasNative) {
    assert.equal(info.name, 'tensorflow');
  } else {
    assert.equal(info.name, 'wasm');
    assert.equal(info.skipped.length, 2);
    assert.match(describeBackend(info), /backend wasm via @tensorflow\/tfjs-backend-wasm, 1 thread\(s\).*tfjs-node-gpu/);
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
