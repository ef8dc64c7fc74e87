/**
 * Audit: the forward and backward passes of ResNet-50's and ViT-S/16's op sequences (in
 * miniature, test/backend/audit_nets.ts) run on wasm through tf.grads. A kernel wasm lacks
 * throws "Kernel ... not registered for backend 'wasm'" and fails this test; the gradients
 * must also equal the cpu backend's. The kernels each pass runs are printed as a diagnostic.
 * With SEE_BACKEND=webgpu (`npm run test:webgpu`) the same audit runs on webgpu instead of wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { trainingGradientNames, wasmTrainingKernelNames } from '../../lib/backend/wasm_kernels';
import { builtinWebGpuKernel, webgpuReplacedKernelNames } from '../../lib/backend/webgpu_kernels';
import { resnetAudit, vitAudit, type AuditNet } from './audit_nets';
import { seededUniform, maxRelDiff } from './random';

interface Problem {
  params: Float32Array[];
  x: Float32Array;
  labels: number[];
}

/** the backend under audit: wasm, or webgpu when SEE_BACKEND=webgpu */
const DEVICE: 'wasm' | 'webgpu' = process.env.SEE_BACKEND === 'webgpu' ? 'webgpu' : 'wasm';

function problemFor(net: AuditNet, seed: number): Problem {
  const u = seededUniform(seed);
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const params = net.paramShapes.map((s) => u(size(s), -0.5, 0.5));
  const b = net.inputShape[0];
  return { params, x: u(size(net.inputShape)), labels: Array.from({ length: b }, (_, i) => i % net.numClasses) };
}

async function gradsOn(
  backend: 'wasm' | 'webgpu' | 'cpu',
  net: AuditNet,
  pr: Problem,
): Promise<{ grads: Float32Array[]; loss: number; kernels: string[] }> {
  await initBackend(backend, { quiet: true });
  const before = tf.memory().numTensors;
  let out: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    out = tf.tidy(() => {
      const params = pr.params.map((p, i) => tf.tensor(p, net.paramShapes[i]));
      const x = tf.tensor(pr.x, net.inputShape);
      const labels = tf.tensor1d(pr.labels, 'int32');
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => net.loss(ps, x, labels))(params);
      return [value, ...grads];
    });
  });
  const [value, ...grads] = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `${net.name} on ${backend}: tensors leaked`);
  return { grads, loss: value[0], kernels: [...new Set(profile.kernelNames)].sort() };
}

for (const [net, mustUse] of [
  [
    resnetAudit,
    [
      'Conv2D',
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'FusedBatchNorm',
      'MaxPool',
      'MaxPoolGrad',
      'AvgPoolGrad',
      'PadV2',
      'Max',
      'Mean',
      'Concat',
      'UnsortedSegmentSum',
      'GatherV2',
    ],
  ],
  [
    vitAudit,
    [
      'Conv2DBackpropFilter',
      'BatchMatMul',
      'Erf',
      'Softmax',
      'StridedSlice',
      'Slice',
      'Tile',
      'Transpose',
      'Concat',
      'GatherV2',
      'UnsortedSegmentSum',
      'Rsqrt',
    ],
  ],
] as Array<[AuditNet, string[]]>) {
  test(`${net.name}: forward + backward run on ${DEVICE} and match cpu`, async (t) => {
    const pr = problemFor(net, 7);
    const wasm = await gradsOn(DEVICE, net, pr);
    const cpu = await gradsOn('cpu', net, pr);
    t.diagnostic(`${net.name} kernels: ${wasm.kernels.join(' ')}`);
    for (const k of mustUse) assert.ok(wasm.kernels.includes(k), `${net.name} did not exercise ${k}`);
    for (const k of wasm.kernels) {
      // tf.customGrad ops (softmaxCrossEntropy) are profiled as `<name>__op` and have no kernel of their own
      if (k.endsWith('__op') && tf.getKernel(k, 'cpu') == null) continue;
      assert.ok(tf.getKernel(k, DEVICE) != null, `${k} has no ${DEVICE} kernel`);
    }
    assert.ok(
      Number.isFinite(wasm.loss) && Math.abs(wasm.loss - cpu.loss) < 1e-4 * Math.max(1, Math.abs(cpu.loss)),
      `loss ${DEVICE} ${wasm.loss} vs cpu ${cpu.loss}`,
    );
    wasm.grads.forEach((g, i) => {
      const d = maxRelDiff(g, cpu.grads[i]);
      assert.ok(d < 1e-4, `${net.name} param ${i} ${net.paramShapes[i]}: ${DEVICE} vs cpu gradient differ by ${d}`);
      assert.ok(
        g.some((v) => v !== 0),
        `${net.name} param ${i}: gradient is all zero`,
      );
    });
  });
}

test(`the kit registers the kernels ${DEVICE} lacks or gets wrong, and ${DEVICE} has every kernel the audit nets use`, async () => {
  await initBackend(DEVICE, { quiet: true });
  assert.ok(trainingGradientNames().includes('StridedSlice') && tf.getGradient('StridedSlice') != null, 'StridedSlice has no gradient');
  if (DEVICE === 'webgpu') {
    for (const k of ['PadV2', 'Conv2DBackpropFilter']) {
      assert.ok(webgpuReplacedKernelNames().includes(k), `${k} is not among the kit's webgpu kernels`);
      assert.notEqual(
        tf.getKernel(k, 'webgpu')?.kernelFunc,
        builtinWebGpuKernel(k).kernelFunc,
        `${k}: tfjs-backend-webgpu's own kernel is still registered`,
      );
    }
    return;
  }
  const added = wasmTrainingKernelNames();
  for (const k of ['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'Conv2DBackpropInput']) {
    assert.ok(added.includes(k), `${k} is not among the kit's wasm kernels`);
    assert.ok(tf.getKernel(k, 'wasm') != null, `${k} is not registered for wasm`);
  }
  assert.equal(
    tf.getKernel('Conv2DBackpropInput', 'wasm')?.setupFunc,
    undefined,
    'the loop Conv2DBackpropInput of tfjs-backend-wasm is still registered',
  );
});
