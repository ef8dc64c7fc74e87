/**
 * `npm run bench -- profile`: where one training step's time goes, per tfjs kernel. Profiles one
 * step of the kit's own trainStep (forward, loss, gradients, clipping, AdamW) after one warm-up
 * step, for the demo network (resnet_small.demo, 32 px, batch 180, SEE Proxy-Anchor as the demo
 * trains it) and the two full-size backbones (224 px, Proxy-Anchor with 100 classes, 512-d).
 * One JSON line per network with the step's wall time and its kernels, most expensive first
 * (kernel, calls, self ms, share of the step), plus the most expensive (kernel, input shapes), and
 * `kernel_calls`, every kernel call of the step (a kernel of the kit's built from others counts with
 * the calls inside it): on the small demo network tfjs's cost per call, not the arithmetic, is
 * much of the step, and the data-parallel workers each pay it again (`npm run bench -- workers`).
 * BENCH_PROFILE_NETS=demo,resnet50,vit_small restricts the run; BENCH_PROFILE_BATCH=N overrides
 * the full-size batch (default 8); BENCH_PROFILE_TOP=N kernels per line (default 12).
 */
import { loadavg } from 'node:os';
import { profileKernels, type KernelStat } from '../../lib/backend/kernel_profile';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { ProxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { AdamW } from '../../lib/train/adamw';
import { buildParamGroups } from '../../lib/train/param_groups';
import { OFFICIAL_CLIP } from '../../lib/train/grad_clip';
import { trainStep } from '../../lib/train/train_step';
import { tf } from '../../lib/tf';
import type { MetricLoss } from '../../lib/types';
import type { Benchmark } from './harness';
import { wasmHeapMeter } from './wasm_heap';

interface Net {
  key: string;
  backbone: string;
  size: number;
  batch: number;
  embeddingDim: number;
  loss: (embeddingDim: number) => MetricLoss;
}

const FULL_BATCH = Number(process.env.BENCH_PROFILE_BATCH ?? 8);
const NETS: Net[] = [
  {
    key: 'demo',
    backbone: 'resnet_small.demo',
    size: 32,
    batch: 180,
    embeddingDim: 64,
    // as the demo: 200 training classes, n 8, lambda 0.2, plan 1 at its final fraction 0.4
    loss: (d) => new SeeProxyAnchorLoss({ numClasses: 200, embeddingDim: d, n: 8, lambda: 0.2, plan: 1, threshold: 0.4, seed: 1 }),
  },
  {
    key: 'resnet50',
    backbone: 'resnet50.tv_in1k',
    size: 224,
    batch: FULL_BATCH,
    embeddingDim: 512,
    loss: (d) => new ProxyAnchorLoss({ numClasses: 100, embeddingDim: d, seed: 1 }),
  },
  {
    key: 'vit_small',
    backbone: 'vit_small_patch16_224.augreg_in21k_ft_in1k',
    size: 224,
    batch: FULL_BATCH,
    embeddingDim: 512,
    loss: (d) => new ProxyAnchorLoss({ numClasses: 100, embeddingDim: d, seed: 1 }),
  },
];

function round(stats: KernelStat[], top: number): Array<Record<string, unknown>> {
  return stats.slice(0, top).map((s) => ({ ...s, selfMs: +s.selfMs.toFixed(1), share: +s.share.toFixed(4) }));
}

export const benchmark: Benchmark = {
  description:
    'per-kernel profile of one training step (trainStep: forward, loss, backward, AdamW) of the demo network and the full-size backbones',
  async run(emit) {
    const only = process.env.BENCH_PROFILE_NETS?.split(',');
    const top = Number(process.env.BENCH_PROFILE_TOP ?? 12);
    for (const k of only ?? [])
      if (!NETS.some((n) => n.key === k)) throw new Error(`BENCH_PROFILE_NETS: "${k}" is not one of ${NETS.map((n) => n.key).join(', ')}`);
    // on wasm, peak_tensor_mb is the most bytes live on the heap (tf.profile counts a shared buffer once per handle)
    const heap = tf.getBackend() === 'wasm' ? wasmHeapMeter() : undefined;
    for (const net of NETS.filter((n) => !only || only.includes(n.key))) {
      const model = createEmbeddingModel(net.backbone, { embeddingDim: net.embeddingDim, seed: 1 });
      const loss = net.loss(net.embeddingDim);
      const optimizer = new AdamW(buildParamGroups(model, loss, 1e-4));
      const numClasses = (loss.trainableVariables[0] as tf.Tensor).shape[0];
      const images = tf.randomNormal([net.batch, net.size, net.size, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      // m-per-class batches (2 per class), as the samplers give
      const labels = tf.tensor1d(
        Array.from({ length: net.batch }, (_, i) => Math.floor(i / 2) % numClasses),
        'int32',
      );
      const lrs = { backbone: 1e-5, head: 1e-5, proxies: 1e-1 };
      const step = (): Promise<number> => trainStep({ model, loss, optimizer, clip: OFFICIAL_CLIP }, { images, labels }, lrs);
      try {
        await step(); // warm-up: XNNPACK operators, optimizer slots
        const load = loadavg()[0];
        heap?.reset();
        const p = await profileKernels(step);
        const peak = heap ? heap.peak() : (await tf.profile(step)).peakBytes;
        emit({
          network: net.key,
          backbone: net.backbone,
          image_size: net.size,
          batch: net.batch,
          step_ms: +p.wallMs.toFixed(1),
          other_ms: +p.otherMs.toFixed(1),
          kernel_calls: p.kernels.reduce((n, k) => n + k.calls, 0),
          peak_tensor_mb: +(peak / 2 ** 20).toFixed(1),
          load_average: load,
          kernels: round(p.kernels, top),
          by_shape: round(p.byShape, top).map((s) => ({ ...s })),
        });
        console.error(
          `# ${net.key}: step ${(p.wallMs / 1000).toFixed(2)} s; top: ${p.kernels
            .slice(0, 6)
            .map((k) => `${k.kernel} ${(100 * k.share).toFixed(0)}%`)
            .join(', ')}`,
        );
      } finally {
        tf.dispose([images, labels]);
        optimizer.dispose();
        loss.dispose();
        model.dispose();
      }
    }
  },
};
