/**
 * `npm run bench -- backbones`: images per second of full-size ResNet-50 and ViT-S/16 at
 * 224x224, batch 8, for inference (eval mode) and for one training step (the kit's trainStep:
 * SEE head with 512-d embeddings, frozen BatchNorm statistics / frozen patch embedding, a squared
 * error to a fixed target as the loss, AdamW), on wasm with 1 thread and with N worker threads
 * (lib/train/parallel, N = BENCH_WORKERS, default the cores), and the same in PyTorch
 * (python3 subprocess, torch.set_num_threads 1 and N, torch.optim.AdamW) in the same run. Debian's
 * python3-torch runs 1x1 convolutions and Linear layers on whatever libblas.so.3 resolves to (the
 * reference BLAS unless an optimised one is installed); LD_LIBRARY_PATH may point it to another
 * (recorded as torch_ld_library_path).
 * One JSON line per (model, mode, threads): img_per_s, torch_img_per_s, ratio (kit / torch), the
 * training step's cost in inferences of the same batch (the kit's inferences and steps alternate,
 * medians of each), and (1 thread) peak_tensor_mb, the most
 * bytes live on the wasm heap during the step. BENCH_REPEATS (default 2) timed repeats after one warm-up; random
 * weights (speed only); BENCH_MODELS=a,b runs only those registry names.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createEmbeddingModel, type BackboneEmbeddingModel } from '../../lib/backbones/model';
import { AdamW } from '../../lib/train/adamw';
import { buildParamGroups } from '../../lib/train/param_groups';
import { trainStep, type StepParts } from '../../lib/train/train_step';
import { openStepper, parallelEmbedder, type Stepper } from '../../lib/train/parallel/stepper';
import { tf } from '../../lib/tf';
import type { MetricLoss } from '../../lib/types';
import { timeMs, type Benchmark } from './harness';
import { wasmHeapMeter } from './wasm_heap';

const BATCH = 8;
const SIZE = 224;
const ALL_MODELS = ['resnet50.tv_in1k', 'vit_small_patch16_224.augreg_in21k_ft_in1k'];
/** BENCH_MODELS=name,name restricts the run */
const MODELS = process.env.BENCH_MODELS ? process.env.BENCH_MODELS.split(',') : ALL_MODELS;
/** training batch of both sides (BENCH_TRAIN_BATCH overrides) */
const TRAIN_BATCH = Number(process.env.BENCH_TRAIN_BATCH ?? BATCH);
const TORCH_NAMES: Record<string, string> = { 'resnet50.tv_in1k': 'resnet50', 'vit_small_patch16_224.augreg_in21k_ft_in1k': 'vit_small' };

/** mean squared error of the embeddings to fixed target rows (labels = row indices), as the PyTorch side */
class TargetLoss implements MetricLoss {
  readonly name = 'squared_error_to_target';
  readonly trainableVariables: tf.Variable[] = [];
  constructor(private readonly target: tf.Tensor2D) {}
  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => tf.mean(tf.squaredDifference(embeddings, tf.gather(this.target, labels))) as tf.Scalar);
  }
  dispose(): void {}
}

const TORCH_SCRIPT = String.raw`
import json, resource, sys, time, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
from torch_parity import TinyViT, frozen_bn_train
from torchvision.models import resnet50
torch.set_num_threads(int(sys.argv[2])); repeats = int(sys.argv[3]); B, S = 8, 224
class Res(nn.Module):
    def __init__(self):
        super().__init__(); self.m = resnet50(); self.m.fc = nn.Identity()
    def forward(self, x):
        m = self.m; x = m.maxpool(m.relu(m.bn1(m.conv1(x)))); x = m.layer4(m.layer3(m.layer2(m.layer1(x))))
        return F.adaptive_avg_pool2d(x, 1).flatten(1) + F.adaptive_max_pool2d(x, 1).flatten(1)
def median(f):
    # (median wall s, mean process CPU s over the same runs)
    f(); ts = []; c0 = time.process_time()
    for _ in range(repeats):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2], (time.process_time() - c0) / repeats
for arg in sys.argv[4:]:
    name, tb = arg.split(':'); tb = int(tb)
    body = Res() if name == 'resnet50' else TinyViT(img=224, patch=16, dim=384, depth=12, heads=6, head=False)
    dim = 2048 if name == 'resnet50' else 384
    if name != 'resnet50':
        for p in body.patch_embed.parameters(): p.requires_grad_(False)
    head = nn.Sequential(nn.LayerNorm(dim, elementwise_affine=False), nn.Linear(dim, 512))
    x = torch.randn(B, 3, S, S); xt = torch.randn(tb, 3, S, S); target = torch.randn(tb, 512)
    body.eval()
    def infer():
        with torch.no_grad(): body(x)
    t_inf, c_inf = median(infer)
    params = [p for p in list(body.parameters()) + list(head.parameters()) if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    frozen_bn_train(body)
    def step():
        opt.zero_grad(); loss = ((F.normalize(head(body(xt)), dim=1) - target) ** 2).mean(); loss.backward(); opt.step()
    t_train, c_train = median(step)
    print(json.dumps({'model': name, 'infer_s': t_inf, 'train_s': t_train, 'infer_cpu_s': c_inf, 'train_cpu_s': c_train, 'maxrss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
`;

interface TorchResult {
  model: string;
  infer_s: number;
  train_s: number;
  infer_cpu_s: number;
  train_cpu_s: number;
  maxrss_mb: number;
}

function runTorch(threads: number, repeats: number): Map<string, TorchResult> {
  const python = process.env.SEE_PYTHON ?? '/usr/bin/python3';
  const scripts = join(__dirname, '..', '..', 'scripts');
  const r = spawnSync(
    python,
    ['-c', TORCH_SCRIPT, scripts, String(threads), String(repeats), ...MODELS.map((m) => `${TORCH_NAMES[m]}:${TRAIN_BATCH}`)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      // the BLAS library's own threads follow the same count (OpenBLAS, when LD_LIBRARY_PATH selects it)
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    },
  );
  if (r.status !== 0) {
    throw new Error(
      `PyTorch side failed (${python}; install python3-torch python3-torchvision): ${r.error?.message ?? r.stderr.slice(-2000)}`,
    );
  }
  const out = new Map<string, TorchResult>();
  for (const line of r.stdout.trim().split('\n')) {
    const rec = JSON.parse(line) as TorchResult;
    out.set(rec.model, rec);
  }
  return out;
}

/** Wall and CPU times (this process, all its threads) of calls timed one by one: their median wall ms and mean CPU ms. */
function timedRuns(): { time(fn: () => Promise<unknown>): Promise<void>; medianMs(): number; meanCpuMs(): number } {
  const wall: number[] = [];
  let cpuMs = 0;
  return {
    async time(fn) {
      const c0 = process.cpuUsage();
      wall.push(await timeMs(fn, 1, 0));
      const c = process.cpuUsage(c0);
      cpuMs += (c.user + c.system) / 1000;
    },
    medianMs: () => [...wall].sort((a, b) => a - b)[Math.floor(wall.length / 2)],
    meanCpuMs: () => cpuMs / wall.length,
  };
}

interface KitResult {
  infer_ms: number;
  train_ms: number;
  infer_cpu_ms: number;
  train_cpu_ms: number;
  heap_peak_mb?: number;
}

/** one model on 1 thread (workers = 1) or on worker threads: inference and training step times */
async function measureKit(name: string, workers: number, repeats: number): Promise<KitResult> {
  const heap = wasmHeapMeter();
  const model: BackboneEmbeddingModel = createEmbeddingModel(name, { embeddingDim: 512, seed: 1 });
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const xt = tf.randomNormal([TRAIN_BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const target = tf.randomNormal([TRAIN_BATCH, 512], 0, 0.05, 'float32', 3) as tf.Tensor2D;
  const rows = tf.tensor1d(
    Array.from({ length: TRAIN_BATCH }, (_, i) => i),
    'int32',
  );
  const loss = new TargetLoss(target);
  const parts: StepParts = { model, loss, optimizer: new AdamW(buildParamGroups(model, loss, 0)), clip: { kind: 'none' } };
  const lrs = { backbone: 1e-5, head: 1e-5, proxies: 0 };
  let stepper: Stepper | undefined;
  try {
    stepper = workers > 1 ? await openStepper(parts, workers) : undefined;
    if (workers > 1 && stepper?.workers !== workers)
      throw new Error(`backbones bench: ${workers} workers asked, the wasm backend is needed`);
    const embedOnWorkers = parallelEmbedder(model);
    const infer = async (): Promise<void> => {
      if (embedOnWorkers) {
        await embedOnWorkers(x);
        return;
      }
      const f = model.features(x, false);
      await f.data();
      f.dispose();
    };
    const batch = { images: xt, labels: rows };
    const step = (): Promise<number> => (stepper ? stepper.step(batch, lrs, { epoch: 0, step: 0 }) : trainStep(parts, batch, lrs));
    await infer(); // warm-up: XNNPACK operators
    heap.reset();
    await step(); // warm-up: optimizer slots
    // the two alternate, one of each per round, so that the machine's speed changing during the run
    // (a shared VM's does, by 10% and more within minutes) moves both alike: train_over_inference
    const [inferRun, trainRun] = [timedRuns(), timedRuns()];
    for (let i = 0; i < repeats; i++) {
      await inferRun.time(infer);
      await trainRun.time(step);
    }
    return {
      infer_ms: inferRun.medianMs(),
      train_ms: trainRun.medianMs(),
      infer_cpu_ms: inferRun.meanCpuMs(),
      train_cpu_ms: trainRun.meanCpuMs(),
      heap_peak_mb: workers > 1 ? undefined : heap.peak() / 2 ** 20,
    };
  } finally {
    await stepper?.close();
    parts.optimizer.dispose();
    tf.dispose([x, xt, target, rows]);
    model.dispose();
  }
}

export const benchmark: Benchmark = {
  description:
    'ResNet-50 and ViT-S/16 at 224x224, batch 8: inference and one training step, kit (1 thread and N workers) vs PyTorch (1 and N threads)',
  async run(emit) {
    const repeats = Number(process.env.BENCH_REPEATS ?? 2);
    const workers = Number(process.env.BENCH_WORKERS ?? availableParallelism());
    for (const m of MODELS) if (!TORCH_NAMES[m]) throw new Error(`BENCH_MODELS: "${m}" is not one of ${ALL_MODELS.join(', ')}`);
    wasmHeapMeter(); // count every allocation from here on
    const threadCounts = workers > 1 ? [1, workers] : [1];
    const load = loadavg()[0];
    const kit = new Map<string, KitResult>();
    for (const name of MODELS) {
      for (const t of threadCounts) {
        const r = await measureKit(name, t, repeats);
        kit.set(`${name}@${t}`, r);
        console.error(
          `# ${name}, ${t} thread(s): inference ${r.infer_ms.toFixed(0)} ms per batch of ${BATCH}, train step ${r.train_ms.toFixed(0)} ms per batch of ${TRAIN_BATCH}`,
        );
      }
    }
    const torch = new Map(threadCounts.map((t) => [t, runTorch(t, repeats)]));
    for (const name of MODELS) {
      for (const t of threadCounts) {
        const k = kit.get(`${name}@${t}`)!;
        const tr = torch.get(t)!.get(TORCH_NAMES[name])!;
        for (const mode of ['inference', 'train_step'] as const) {
          const ms = mode === 'inference' ? k.infer_ms : k.train_ms;
          const torchS = mode === 'inference' ? tr.infer_s : tr.train_s;
          const batch = mode === 'inference' ? BATCH : TRAIN_BATCH;
          const imgPerS = (batch * 1000) / ms;
          const torchImgPerS = batch / torchS;
          emit({
            setting: `${name} ${mode} ${SIZE}x${SIZE} batch ${batch}, ${t === 1 ? '1 thread' : `${t} worker threads`}`,
            batch,
            model: name,
            mode,
            threads: t,
            kit_path: t === 1 ? 'main thread' : 'lib/train/parallel workers',
            optimizer: mode === 'train_step' ? 'AdamW on both sides' : undefined,
            repeats,
            load_average_start: load,
            ms_per_batch: Number(ms.toFixed(1)),
            img_per_s: Number(imgPerS.toFixed(3)),
            torch_img_per_s: Number(torchImgPerS.toFixed(3)),
            torch_threads: t,
            torch_ld_library_path: process.env.LD_LIBRARY_PATH ?? null,
            ratio: Number((imgPerS / torchImgPerS).toFixed(3)),
            train_over_inference: mode === 'train_step' ? Number((k.train_ms / TRAIN_BATCH / (k.infer_ms / BATCH)).toFixed(2)) : undefined,
            // 1 thread: CPU time per batch on both sides (the process's, all threads), less sensitive to other work
            ...(t === 1
              ? {
                  cpu_ms_per_batch: Number((mode === 'inference' ? k.infer_cpu_ms : k.train_cpu_ms).toFixed(1)),
                  torch_cpu_ms_per_batch: Number((1000 * (mode === 'inference' ? tr.infer_cpu_s : tr.train_cpu_s)).toFixed(1)),
                  ratio_cpu: Number(
                    (
                      ((mode === 'inference' ? tr.infer_cpu_s : tr.train_cpu_s) * 1000) /
                      (mode === 'inference' ? k.infer_cpu_ms : k.train_cpu_ms)
                    ).toFixed(3),
                  ),
                }
              : {}),
            // most bytes live on the wasm heap during the step (tf.profile's peakBytes counts a shared buffer once per tensor handle)
            peak_tensor_mb: mode === 'train_step' && k.heap_peak_mb !== undefined ? Number(k.heap_peak_mb.toFixed(0)) : undefined,
            process_max_rss_mb: Number((process.resourceUsage().maxRSS / 1024).toFixed(0)),
            torch_max_rss_mb: Number(tr.maxrss_mb.toFixed(0)),
          });
        }
      }
    }
  },
};
