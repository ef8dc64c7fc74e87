/**
 * `npm run bench -- gpu`: the kit on whatever WebGPU adapter Dawn finds (SEE_WEBGPU_FLAGS picks
 * one), against PyTorch on CUDA in the same run when a python3 with torch and CUDA is present
 * (scripts/gpu_bench_torch.py: fp32 and AMP).
 * - matmul_4096: TFLOP/s of a 4096^3 float32 matmul (several in a row, one small read at the end);
 * - conv_backprop_filter: the kit's Conv2DBackpropFilter (im2col + split-K) against
 *   tfjs-backend-webgpu's own on ResNet-50's layer-1 3x3 convolution (batch 32, 56x56x64);
 * - resnet50_train (R^512) and deit_s_train (De^128): images/s of the kit's training step at
 *   224 px (model.embed in training mode, SEE Proxy-Anchor with CUB's 100 classes, AdamW, the
 *   official clamp), at the official global batch 180, or the largest of 120, 90, 60, 32 that
 *   fits; GPU memory (the buffer pool after the steps); the PyTorch step (Proxy-Anchor, no
 *   expansion) and kit/PyTorch fp32 ratio; the estimated epoch time of each table dataset from
 *   the official iterations per epoch (floor(N_train / 180) x 180 images at the measured rate).
 * On a software adapter (lavapipe) every size is reduced (`reduced: true`) so the run ends in
 * minutes. Random weights: speed only. BENCH_REPEATS (default 5, software 2) timed steps.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { AdamW } from '../../lib/train/adamw';
import { OFFICIAL_CLIP } from '../../lib/train/grad_clip';
import { buildParamGroups } from '../../lib/train/param_groups';
import { trainStep } from '../../lib/train/train_step';
import { DATASETS, itersPerEpoch } from '../../lib/experiments/datasets';
import { initBackend, releaseWebGpu, tf } from '../../lib/tf';
import { adapterName } from '../../lib/backend/webgpu_adapter';
import { webgpuMemory } from '../../lib/backend/webgpu_backend';
import { builtinWebGpuKernel } from '../../lib/backend/webgpu_kernels';
import { timeMs, type Benchmark, type Emit } from './harness';

const OFFICIAL_BATCH = 180;
const FALLBACK_BATCHES = [120, 90, 60, 32];
const CLASSES = DATASETS.cub.trainClasses;

interface TrainCase {
  case: 'resnet50_train' | 'deit_s_train';
  model: string;
  dim: number;
}
const TRAIN_CASES: TrainCase[] = [
  { case: 'resnet50_train', model: 'resnet50.tv_in1k', dim: 512 },
  { case: 'deit_s_train', model: 'deit_small_distilled_patch16_224.fb_in1k', dim: 128 },
];

interface Sizes {
  matmul: number;
  matmulRepeats: number;
  conv: [number, number, number, number];
  image: number;
  batches: number[];
  repeats: number;
}
const FULL: Sizes = {
  matmul: 4096,
  matmulRepeats: 10,
  conv: [32, 56, 56, 64],
  image: 224,
  batches: [OFFICIAL_BATCH, ...FALLBACK_BATCHES],
  repeats: 5,
};
/** lavapipe: about a second for a 512^3 matmul; a ResNet-50 step at 64 px, batch 4, takes seconds */
const REDUCED: Sizes = { matmul: 512, matmulRepeats: 2, conv: [4, 28, 28, 64], image: 64, batches: [4], repeats: 2 };

interface TorchLine {
  available: boolean;
  reason?: string;
  case?: string;
  fp32_img_per_s?: number;
  amp_img_per_s?: number;
  fp32_peak_mb?: number;
  device?: string;
}

/** Runs the PyTorch side with the first python that has torch and CUDA (SEE_PYTHON, python3, python). */
function runTorch(args: string[], repeats: number): { lines: TorchLine[]; python?: string; reasons: string[] } {
  const script = join(__dirname, '..', '..', 'scripts', 'gpu_bench_torch.py');
  const reasons: string[] = [];
  for (const python of [process.env.SEE_PYTHON, 'python3', 'python', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    const r = spawnSync(python, [script, String(repeats), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.error || r.status !== 0) {
      reasons.push(`${python}: ${r.error?.message ?? r.stderr.trim().split('\n').slice(-1)[0]}`);
      continue;
    }
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TorchLine);
    if (lines[0]?.available) return { lines, python, reasons };
    reasons.push(`${python}: ${lines[0]?.reason ?? 'no output'}`);
  }
  return { lines: [], reasons };
}

async function matmulCase(sizes: Sizes, emit: Emit, base: Record<string, unknown>): Promise<void> {
  const n = sizes.matmul;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D;
  const run = async (): Promise<void> => {
    const outs = Array.from({ length: sizes.matmulRepeats }, () => tf.matMul(a, b)); // queued on the GPU
    const corner = tf.slice(outs[outs.length - 1], [0, 0], [1, 1]);
    await corner.data(); // waits for every queued product
    tf.dispose([...outs, corner]);
  };
  const ms = await timeMs(run, 3, 1);
  tf.dispose([a, b]);
  const tflops = (2 * n ** 3 * sizes.matmulRepeats) / (ms / 1000) / 1e12;
  emit({
    ...base,
    case: `matmul_${n}`,
    batch: 1,
    tflops: Number(tflops.toFixed(4)),
    ms_per_matmul: Number((ms / sizes.matmulRepeats).toFixed(2)),
  });
}

async function backpropFilterCase(sizes: Sizes, emit: Emit, base: Record<string, unknown>): Promise<void> {
  const [n, h, w, c] = sizes.conv;
  const x = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 4);
  const dy = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 5);
  const attrs = {
    filterShape: [3, 3, c, c],
    strides: [1, 1],
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: [1, 1],
  } as unknown as tf.NamedAttrMap;
  const builtin = builtinWebGpuKernel('Conv2DBackpropFilter');
  const time = (f: () => tf.Tensor): Promise<number> =>
    timeMs(
      async () => {
        const out = f();
        await out.data();
        out.dispose();
      },
      3,
      1,
    );
  const kitMs = await time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor);
  const tfjsMs = await time(() =>
    tf.engine().makeTensorFromTensorInfo(builtin.kernelFunc({ inputs: { x, dy }, attrs, backend: tf.backend() }) as tf.TensorInfo),
  );
  tf.dispose([x, dy]);
  const gflop = (2 * n * h * w * 9 * c * c) / 1e9;
  emit({
    ...base,
    case: 'conv_backprop_filter',
    batch: n,
    shape: `x [${sizes.conv}], filter [3, 3, ${c}, ${c}], same`,
    kit_ms: Number(kitMs.toFixed(1)),
    tfjs_ms: Number(tfjsMs.toFixed(1)),
    speedup: Number((tfjsMs / kitMs).toFixed(2)),
    tflops: Number((gflop / kitMs).toFixed(4)),
  });
}

/** ms per kit training step at `batch`, and GPU MiB; throws when the batch does not fit. */
async function timeTrainStep(c: TrainCase, batch: number, sizes: Sizes): Promise<{ ms: number; gpuMb: number }> {
  const model = createEmbeddingModel(c.model, { embeddingDim: c.dim, seed: 1 });
  const loss = new SeeProxyAnchorLoss({ numClasses: CLASSES, embeddingDim: c.dim, seed: 2, plan: 1, threshold: 0.4 });
  const optimizer = new AdamW(buildParamGroups(model, loss, 1e-4));
  const images = tf.randomNormal([batch, sizes.image, sizes.image, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => Math.floor(i / 2) % CLASSES),
    'int32',
  );
  const lrs = { backbone: 1e-5, head: 1e-5, proxies: 0.1 };
  try {
    const step = (): Promise<number> => trainStep({ model, loss, optimizer, clip: OFFICIAL_CLIP }, { images, labels }, lrs);
    const ms = await timeMs(step, sizes.repeats, 2); // two warm-up steps compile the shaders
    return { ms, gpuMb: (webgpuMemory()?.pooledBytes ?? 0) / 2 ** 20 };
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
    loss.dispose();
    model.dispose();
  }
}

/** epoch seconds per dataset at `imgPerS`, from the official iterations per epoch at batch 180 */
function epochSeconds(imgPerS: number): Record<string, number> {
  return Object.fromEntries(
    Object.values(DATASETS).map((d) => [d.id, Number(((itersPerEpoch(d.id, OFFICIAL_BATCH) * OFFICIAL_BATCH) / imgPerS).toFixed(1))]),
  );
}

export const benchmark: Benchmark = {
  description:
    'WebGPU (Dawn): matmul 4096^3 TFLOP/s, ResNet-50 R^512 and DeiT-S De^128 training steps at 224 px, batch 180, vs PyTorch on CUDA (fp32, AMP) when present; epoch estimates',
  async run(emit) {
    const info = await initBackend('webgpu');
    const adapter = info.adapter!;
    const sizes = adapter.software ? REDUCED : FULL;
    const repeats = Number(process.env.BENCH_REPEATS ?? sizes.repeats);
    const base = { adapter: adapterName(adapter), driver: adapter.description, ...(adapter.software ? { reduced: true } : {}) };
    console.error(`# adapter ${base.adapter}${adapter.software ? ' (software: reduced sizes)' : ''}`);
    await matmulCase(sizes, emit, base);
    await backpropFilterCase(sizes, emit, base);
    const kit = new Map<string, { batch: number; ms: number; gpuMb: number; tried: string[] }>();
    for (const c of TRAIN_CASES) {
      const tried: string[] = [];
      for (const batch of sizes.batches) {
        try {
          const r = await timeTrainStep(c, batch, { ...sizes, repeats });
          kit.set(c.case, { batch, ...r, tried });
          console.error(`# ${c.case}: batch ${batch}, ${r.ms.toFixed(0)} ms per step, GPU ${r.gpuMb.toFixed(0)} MiB`);
          break;
        } catch (err) {
          tried.push(`batch ${batch}: ${(err as Error).message.split('\n')[0]}`);
          console.error(`# ${c.case}: batch ${batch} failed: ${(err as Error).message.split('\n')[0]}`);
          releaseWebGpu(); // a GPU error (out of memory) is sticky: the next size gets a fresh device
          await initBackend('webgpu', { quiet: true });
        }
      }
      if (!kit.has(c.case)) emit({ ...base, case: c.case, error: tried.join('; ') });
    }
    const measured = TRAIN_CASES.filter((c) => kit.has(c.case));
    const torch = runTorch(
      measured.map((c) => `${c.case}:${kit.get(c.case)!.batch}:${sizes.image}:${c.dim}:${CLASSES}`),
      repeats,
    );
    if (!torch.python) console.error(`# PyTorch side not run: ${torch.reasons.join('; ')}`);
    for (const c of measured) {
      const k = kit.get(c.case)!;
      const imgPerS = (k.batch * 1000) / k.ms;
      const t = torch.lines.find((l) => l.case === c.case);
      emit({
        ...base,
        case: c.case,
        model: c.model,
        batch: k.batch,
        ...(k.batch !== sizes.batches[0] ? { batch_wanted: sizes.batches[0], batch_failures: k.tried } : {}),
        image: sizes.image,
        loss: `kit: SEE Proxy-Anchor (${CLASSES} classes); torch: Proxy-Anchor`,
        repeats,
        ms_per_step: Number(k.ms.toFixed(1)),
        img_per_s: Number(imgPerS.toFixed(3)),
        gpu_mb: Number(k.gpuMb.toFixed(0)),
        ...(t
          ? {
              torch_img_per_s: Number(t.fp32_img_per_s!.toFixed(3)),
              torch_amp_img_per_s: t.amp_img_per_s === undefined ? undefined : Number(t.amp_img_per_s.toFixed(3)),
              torch_peak_mb: t.fp32_peak_mb === undefined ? undefined : Number(t.fp32_peak_mb.toFixed(0)),
              torch_device: t.device,
              ratio: Number((imgPerS / t.fp32_img_per_s!).toFixed(3)),
              ratio_amp: t.amp_img_per_s === undefined ? undefined : Number((imgPerS / t.amp_img_per_s).toFixed(3)),
            }
          : { torch: `not run: ${torch.reasons.join('; ')}` }),
        epoch_s: epochSeconds(imgPerS),
      });
    }
  },
};
