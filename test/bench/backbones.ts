/**
 * `npm run bench -- backbones`: images per second of full-size ResNet-50 and ViT-S/16 at
 * 224x224, batch 8, for inference (features, eval mode) and for one training step (SEE head
 * with 512-d embeddings, frozen BatchNorm statistics / frozen patch embedding, tf.train.adam as
 * the AdamW-like optimizer), on the default backend, and the same in PyTorch (python3 subprocess
 * with torch.set_num_threads(the kit's threads), torch.optim.AdamW) in the same run.
 * One JSON line per (model, mode): img_per_s, torch_img_per_s, ratio (kit / torch), peak memory.
 * BENCH_REPEATS (default 2) timed repeats after one warm-up; random weights (speed only);
 * BENCH_MODELS=a,b runs only those registry names.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { backendInfo, tf } from '../../lib/tf';
import { timeMs, type Benchmark } from './harness';

const BATCH = 8;
const SIZE = 224;
const ALL_MODELS = ['resnet50.tv_in1k', 'vit_small_patch16_224.augreg_in21k_ft_in1k'];
/** BENCH_MODELS=name,name restricts the run (e.g. one model per process on a small wasm heap) */
const MODELS = process.env.BENCH_MODELS ? process.env.BENCH_MODELS.split(',') : ALL_MODELS;
/**
 * Training batch: 8, except ViT-S/16 whose batch-8 training step aborts the wasm heap (4 GiB,
 * "Aborted()" in malloc) with tfjs-backend-wasm 4.22; measured at batch 2 on both sides.
 * BENCH_TRAIN_BATCH overrides both.
 */
const TRAIN_BATCH: Record<string, number> = { 'resnet50.tv_in1k': 8, 'vit_small_patch16_224.augreg_in21k_ft_in1k': 2 };
const TORCH_NAMES: Record<string, string> = { 'resnet50.tv_in1k': 'resnet50', 'vit_small_patch16_224.augreg_in21k_ft_in1k': 'vit_small' };

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
    f(); ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]
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
    t_inf = median(infer)
    params = [p for p in list(body.parameters()) + list(head.parameters()) if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    frozen_bn_train(body)
    def step():
        opt.zero_grad(); loss = ((F.normalize(head(body(xt)), dim=1) - target) ** 2).mean(); loss.backward(); opt.step()
    t_train = median(step)
    print(json.dumps({'model': name, 'infer_s': t_inf, 'train_s': t_train, 'maxrss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
`;

function trainBatch(name: string): number {
  return process.env.BENCH_TRAIN_BATCH ? Number(process.env.BENCH_TRAIN_BATCH) : TRAIN_BATCH[name];
}

interface TorchResult { model: string; infer_s: number; train_s: number; maxrss_mb: number }

function runTorch(threads: number, repeats: number): Map<string, TorchResult> {
  const python = process.env.SEE_PYTHON ?? '/usr/bin/python3';
  const scripts = join(__dirname, '..', '..', 'scripts');
  const r = spawnSync(python, ['-c', TORCH_SCRIPT, scripts, String(threads), String(repeats), ...MODELS.map((m) => `${TORCH_NAMES[m]}:${trainBatch(m)}`)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    throw new Error(`PyTorch side failed (${python}; install python3-torch python3-torchvision): ${r.error?.message ?? r.stderr.slice(-2000)}`);
  }
  const out = new Map<string, TorchResult>();
  for (const line of r.stdout.trim().split('\n')) {
    const rec = JSON.parse(line) as TorchResult;
    out.set(rec.model, rec);
  }
  return out;
}

export const benchmark: Benchmark = {
  description: 'ResNet-50 and ViT-S/16 at 224x224, batch 8 (ViT training: batch 2, wasm heap): inference and one training step, kit vs PyTorch (same threads)',
  async run(emit) {
    const repeats = Number(process.env.BENCH_REPEATS ?? 2);
    const threads = backendInfo().threads;
    for (const m of MODELS) if (!TORCH_NAMES[m]) throw new Error(`BENCH_MODELS: "${m}" is not one of ${ALL_MODELS.join(', ')}`);
    const kit = new Map<string, { infer_ms: number; train_ms: number; infer_peak: number; train_peak: number }>();
    for (const name of MODELS) {
      const model = createEmbeddingModel(name, { embeddingDim: 512, seed: 1 });
      const x = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const tb = trainBatch(name);
      const xt = tf.randomNormal([tb, SIZE, SIZE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const target = tf.randomNormal([tb, 512], 0, 0.05, 'float32', 3);
      const { backbone, head } = model.variableGroups();
      const optimizer = tf.train.adam(1e-5);
      const infer = (): void => {
        const f = model.features(x, false);
        f.dataSync();
        f.dispose();
      };
      const step = (): void => {
        const cost = optimizer.minimize(() => tf.mean(tf.squaredDifference(model.embed(xt, true), target)) as tf.Scalar, true, [...backbone, ...head]);
        cost!.dataSync();
        cost!.dispose();
      };
      // the profiled call (peak tensor bytes) doubles as the warm-up
      const inferPeak = (await tf.profile(infer)).peakBytes;
      const inferMs = await timeMs(infer, repeats, 0);
      const trainPeak = (await tf.profile(step)).peakBytes;
      const trainMs = await timeMs(step, repeats, 0);
      kit.set(name, { infer_ms: inferMs, train_ms: trainMs, infer_peak: inferPeak, train_peak: trainPeak });
      optimizer.dispose();
      tf.dispose([x, xt, target]);
      model.dispose();
      console.error(`# ${name}: inference ${inferMs.toFixed(0)} ms per batch of ${BATCH}, train step ${trainMs.toFixed(0)} ms per batch of ${tb}`);
    }
    const torch = runTorch(threads, repeats);
    for (const name of MODELS) {
      const k = kit.get(name)!;
      const t = torch.get(TORCH_NAMES[name])!;
      for (const mode of ['inference', 'train_step'] as const) {
        const ms = mode === 'inference' ? k.infer_ms : k.train_ms;
        const torchS = mode === 'inference' ? t.infer_s : t.train_s;
        const batch = mode === 'inference' ? BATCH : trainBatch(name);
        const imgPerS = (batch * 1000) / ms;
        const torchImgPerS = batch / torchS;
        emit({
          setting: `${name} ${mode} ${SIZE}x${SIZE} batch ${batch}`,
          batch,
          model: name,
          mode,
          optimizer: mode === 'train_step' ? 'kit: tf.train.adam; torch: AdamW' : undefined,
          repeats,
          ms_per_batch: Number(ms.toFixed(1)),
          img_per_s: Number(imgPerS.toFixed(3)),
          torch_img_per_s: Number(torchImgPerS.toFixed(3)),
          torch_threads: threads,
          ratio: Number((imgPerS / torchImgPerS).toFixed(3)),
          peak_tensor_mb: Number(((mode === 'inference' ? k.infer_peak : k.train_peak) / 2 ** 20).toFixed(1)),
          process_max_rss_mb: Number((process.resourceUsage().maxRSS / 1024).toFixed(0)),
          torch_max_rss_mb: Number(t.maxrss_mb.toFixed(0)),
        });
      }
    }
  },
};
