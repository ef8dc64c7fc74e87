/**
 * The kit's webgpu backend on whatever adapter Dawn finds (lavapipe in CI): the backend line
 * names the adapter and its limits, `auto` passes a software adapter over and says why, reads
 * are asynchronous, a tensor over the storage-binding limit is refused with a clear error, and a
 * GPU validation error is thrown instead of staying silent. Run by `npm run test:webgpu`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, describeBackend, releaseWebGpu } from '../../lib/tf';
import { hostValues, readToHost } from '../../lib/backend/host_values';
import { parseWebGpuFlags } from '../../lib/backend/webgpu_bootstrap';

test('SEE_BACKEND=webgpu names the adapter, its driver and limits', async () => {
  const info = await initBackend('webgpu', { quiet: true });
  assert.equal(tf.getBackend(), 'webgpu');
  const a = info.adapter;
  assert.ok(a, 'no adapter description');
  assert.ok(a.vendor || a.device, 'the adapter has neither vendor nor device name');
  assert.ok(a.maxStorageBufferBindingSize >= 2 ** 27, `binding limit ${a.maxStorageBufferBindingSize}`);
  const line = describeBackend(info);
  assert.match(
    line,
    /backend webgpu via @tensorflow\/tfjs-backend-webgpu on Dawn \(webgpu\), on .+ (software|hardware) adapter, storage binding <= \d+ MiB, buffer <= \d+ MiB/,
  );
  assert.ok(line.includes(a.device), line);
});

test('auto passes a software adapter over and says why; a hardware one it takes', async () => {
  const gpu = await initBackend('webgpu', { quiet: true });
  releaseWebGpu(); // so that auto chooses afresh
  const auto = await initBackend('auto', { quiet: true });
  if (gpu.adapter!.software) {
    assert.notEqual(auto.name, 'webgpu');
    assert.ok(
      auto.skipped.some((s) => /^webgpu: .* is a software adapter, slower than wasm/.test(s)),
      auto.skipped.join('; '),
    );
    assert.match(describeBackend(auto), /auto passed over: .*software adapter/);
  } else if (auto.name !== 'tensorflow') {
    assert.equal(auto.name, 'webgpu');
  }
});

test('SEE_WEBGPU_FLAGS: Dawn options split on spaces; anything else is refused', () => {
  assert.deepEqual(parseWebGpuFlags(' adapter=H200  backend=vulkan '), ['adapter=H200', 'backend=vulkan']);
  assert.deepEqual(parseWebGpuFlags(undefined), []);
  assert.throws(() => parseWebGpuFlags('H200'), /SEE_WEBGPU_FLAGS: "H200" is not a Dawn option/);
});

test('reads are asynchronous: dataSync fails under Node, host copies of labels serve synchronous code', async () => {
  await initBackend('webgpu', { quiet: true });
  const y = tf.tensor1d([2, 0, 1], 'int32');
  const onGpu = tf.oneHot(y, 3); // uploads y
  try {
    assert.throws(() => tf.matMul(onGpu, onGpu).dataSync(), /OffscreenCanvas/);
    assert.throws(
      () => hostValues(y, 'someLoss'),
      /someLoss: needs the values of a \[3\] int32 tensor on the CPU, and the webgpu backend cannot read synchronously/,
    );
    await readToHost(y);
    assert.deepEqual(Array.from(hostValues(y, 'someLoss')), [2, 0, 1]);
    assert.deepEqual(Array.from(await onGpu.data()), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  } finally {
    tf.dispose([y, onGpu]);
  }
});

test('a tensor over maxStorageBufferBindingSize is refused with its shape and the limit', async () => {
  const info = await initBackend('webgpu', { quiet: true });
  const limit = info.adapter!.maxStorageBufferBindingSize;
  const rows = Math.floor(limit / 4 / 1024) + 1;
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.tidy(() => tf.add(tf.fill([rows, 1024], 1), 1)),
    new RegExp(`tensor of shape \\[${rows}, 1024\\] needs .* MiB, more than this adapter's maxStorageBufferBindingSize`),
  );
  assert.equal(tf.memory().numTensors, before);
});

test('a GPU validation error is thrown by the next op or read, not left silent; a new device starts clean', async () => {
  await initBackend('webgpu', { quiet: true });
  const device = (tf.backend() as unknown as { device: { createBuffer(d: { size: number; usage: number }): unknown } }).device;
  const usage = globalThis as unknown as { GPUBufferUsage: { MAP_READ: number; STORAGE: number } };
  device.createBuffer({ size: 4, usage: usage.GPUBufferUsage.MAP_READ | usage.GPUBufferUsage.STORAGE }); // invalid usage
  const before = tf.memory().numTensors;
  await assert.rejects(async () => {
    const t = tf.tidy(() => tf.add(tf.fill([64, 64], 1), 1));
    try {
      await t.data();
    } finally {
      t.dispose();
    }
  }, /WebGPU error: Buffer usages .* is invalid/);
  assert.equal(tf.memory().numTensors, before);
  releaseWebGpu();
  await initBackend('webgpu', { quiet: true });
  const u = tf.add(tf.fill([64, 64], 1), 1);
  assert.equal((await u.data())[0], 2);
  u.dispose();
});
