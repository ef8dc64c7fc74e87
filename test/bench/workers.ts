/**
 * `npm run bench -- workers`: the data-parallel training step (lib/train/parallel) against the
 * single-thread trainStep, side by side in one run: the demo's step (resnet_small.demo, 32 px,
 * batch 180, SEE Proxy-Anchor as the demo trains it) and evaluation embedding (batch 500).
 * The two setups take turns in blocks of BENCH_BLOCK (default 5) consecutive runs, as a training
 * loop runs its steps and an evaluation its batches (training steps, evaluation embeddings, the
 * network alone below), so both see the same machine load; a block's first run is not timed (it
 * follows the other setup's block, whose threads filled the caches: with steps alternating one by
 * one, the parallel step's forward and backward took 38 and 53 ms against 30 and 43-46 back to
 * back, 2026-12-02). Medians over BENCH_REPEATS (default 7) rounds after BENCH_WARMUP (default 60)
 * warm-up rounds: a new worker thread's first ten or so steps run up to twice as slow (25 eval
 * embeddings in a row on 2 workers: 70-87 ms for the first twelve, 37-49 ms after; each worker's
 * isolate compiles the JavaScript around the kernels and grows its heap for itself; V8's wasm
 * tier-up flags did not change it), and V8 goes on compiling on background threads for a few
 * hundred steps, which then compete with the other worker for the cores (test/bench/_cores_probe.ts:
 * two processes' demo step 1.6x after 20 steps, 2.0x after 400): 60 rounds give every setup 300
 * steps first (10, as before, gave the network alone on 2 workers 1.32-1.43x, 100 gave 1.58x).
 * BENCH_WORKERS (default SEE_WORKERS or the cores).
 * Where the parallel step's time goes, in the same rounds: the network alone (forward with the tape
 * open, then backward from a fixed dL/dE of the loss's size) on a second pool of workers, the batch split over all of them
 * (`network_ms_workers`) and the whole batch on the first one alone (`network_ms_1_worker`):
 * `network_speedup` is what the cores give the backbone itself (2 = no contention), and
 * `serial_ms` = step_ms_workers - network_ms_workers is the main thread's share (gathering, loss,
 * gradient sums, AdamW, weights to the workers), and `step_speedup_bound` = step_ms_1_thread /
 * network_ms_workers the most the parallel step could gain with that share at zero.
 * What the workers cannot split: the single-thread step at batch FIXED_BATCH (4) costs nearly what
 * every step pays whatever its batch (tfjs's cost per kernel call, 213 calls a step at 5948216, the
 * loss's and AdamW's), `fixed_ms_1_thread`; each worker pays the network's share of it again and the
 * main thread the rest, so `step_speedup_bound_fixed` = step_ms_1_thread / (fixed_ms_1_thread +
 * (step_ms_1_thread - fixed_ms_1_thread) / workers) is what N workers could give if the rest split
 * perfectly with no contention and no waiting (Amdahl's law with that fixed part).
 * `phase_ms_workers`: medians of the wall ms of each phase of the parallel step as it timed itself
 * (StepPhases in lib/train/parallel/parallel_step.ts: push, forward, loss, backward, sum, apply),
 * and `main_thread_ms` the median of push + loss + sum + apply, the phases in which the workers
 * wait for the main thread.
 */
import { loadavg } from 'node:os';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { AdamW } from '../../lib/train/adamw';
import { buildParamGroups } from '../../lib/train/param_groups';
import { OFFICIAL_CLIP } from '../../lib/train/grad_clip';
import { trainStep, type StepParts } from '../../lib/train/train_step';
import { openStepper, parallelEmbedder } from '../../lib/train/parallel/stepper';
import type { StepPhases } from '../../lib/train/parallel/parallel_step';
import { trainWorkerCount } from '../../lib/train/parallel/worker_count';
import { TrainWorkers } from '../../lib/train/parallel/worker_pool';
import { shardRows } from '../../lib/train/parallel/shards';
import type { BackboneEmbeddingModel } from '../../lib/backbones/model';
import { tf } from '../../lib/tf';
import { type Benchmark, benchEnvInteger, median } from './harness';

const BATCH = 180;
const EVAL_BATCH = 500;
const SIZE = 32;
const EMBEDDING_DIM = 64;
/** the batch of the fixed-cost step (see the top of this file) */
const FIXED_BATCH = 4;

function demoParts(): StepParts {
  const model = createEmbeddingModel('resnet_small.demo', { embeddingDim: EMBEDDING_DIM, seed: 1 });
  const loss = new SeeProxyAnchorLoss({
    numClasses: 200,
    embeddingDim: EMBEDDING_DIM,
    n: 8,
    lambda: 0.2,
    plan: 1,
    threshold: 0.4,
    seed: 1,
  });
  return { model, loss, optimizer: new AdamW(buildParamGroups(model, loss, 1e-4)), clip: OFFICIAL_CLIP };
}

/**
 * forward with the tape open and backward from `dE` (a fixed dL/dE [B, D], row-major) on `count`
 * workers of the pool (the batch split over them)
 */
async function networkOnly(
  pool: TrainWorkers,
  images: Float32Array,
  shape: [number, number, number, number],
  count: number,
  dE: Float32Array,
): Promise<void> {
  const shards = shardRows(shape[0], count);
  await pool.forward(images, shape, shards);
  const dim = dE.length / shape[0];
  await pool.backward(shards.map((s) => dE.subarray(s.start * dim, s.end * dim)));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const benchmark: Benchmark = {
  description: 'demo training step and evaluation embedding: 1 thread (trainStep) vs N worker threads, in alternating blocks, one run',
  async run(emit) {
    const repeats = Number(process.env.BENCH_REPEATS ?? 7);
    const warmup = benchEnvInteger('workers bench', 'BENCH_WARMUP', 60, 0);
    const block = benchEnvInteger('workers bench', 'BENCH_BLOCK', 5, 2);
    const workers = Number(process.env.BENCH_WORKERS ?? trainWorkerCount());
    const single = demoParts();
    const parallel = demoParts();
    const stepper = await openStepper(parallel, workers);
    if (stepper.workers !== workers)
      throw new Error(`workers bench: asked for ${workers} workers, got ${stepper.workers}: ${stepper.description}`);
    const recipe = (single.model as BackboneEmbeddingModel).recipe;
    if (!recipe) throw new Error('workers bench: the demo network has no recipe to build on workers');
    const network = await TrainWorkers.start(single.model, recipe, workers);
    const images = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const labels = tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => Math.floor(i / 2) % 200),
      'int32',
    );
    const fixedBatch = {
      images: tf.randomNormal([FIXED_BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 5) as tf.Tensor4D,
      labels: tf.tensor1d(
        Array.from({ length: FIXED_BATCH }, (_, i) => Math.floor(i / 2)),
        'int32',
      ),
    };
    const evalImages = tf.randomNormal([EVAL_BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const lrs = { backbone: 1e-3, head: 1e-3, proxies: 1e-1 };
    const batch = { images, labels };
    const embedParallel = parallelEmbedder(parallel.model)!;
    const hostImages = (await images.data()) as Float32Array;
    // dL/dE for the network alone: of the loss's size (the demo's SEE loss gives an rms of 0.023 on
    // this batch; zeros, as before, made the backward pass 1-2 ms faster than real gradients)
    const dEs = tf.randomNormal([BATCH, EMBEDDING_DIM], 0, 0.02, 'float32', 4); // [B, D]
    const dE = (await dEs.data()) as Float32Array;
    dEs.dispose();
    await network.pushWeights();
    const embedSingle = async (): Promise<void> => {
      const z = single.model.embed(evalImages, false);
      await z.data();
      z.dispose();
    };
    try {
      const load = loadavg()[0];
      const t1: number[] = [];
      const tn: number[] = [];
      const e1: number[] = [];
      const en: number[] = [];
      const n1: number[] = [];
      const nn: number[] = [];
      const f1: number[] = [];
      const phaseRuns: Array<Partial<StepPhases>> = [];
      let step = 0;
      // `block` runs of fn in a row, the times of all but the first (kept only after the warm-up)
      const inBlock = async (round: number, into: number[], fn: (k: number) => Promise<unknown>): Promise<void> => {
        for (let k = 0; k < block; k++) {
          const ms = await timed(() => fn(k));
          if (round >= 0 && k > 0) into.push(ms);
        }
      };
      for (let i = -warmup; i < repeats; i++) {
        await inBlock(i, t1, () => trainStep(single, batch, lrs));
        await inBlock(i, tn, async (k) => {
          const phases: Partial<StepPhases> = {};
          await stepper.step(batch, lrs, { epoch: 0, step: step++ }, phases);
          if (i >= 0 && k > 0) phaseRuns.push(phases);
        });
        await inBlock(i, e1, embedSingle);
        await inBlock(i, en, () => embedParallel(evalImages));
        await inBlock(i, n1, () => networkOnly(network, hostImages, images.shape, 1, dE));
        await inBlock(i, nn, () => networkOnly(network, hostImages, images.shape, workers, dE));
        await inBlock(i, f1, () => trainStep(single, fixedBatch, lrs));
      }
      const [s1, sn, m1, mn, w1, wn, fixed] = [median(t1), median(tn), median(e1), median(en), median(n1), median(nn), median(f1)];
      const phaseNames: Array<keyof StepPhases> = ['push', 'forward', 'loss', 'backward', 'sum', 'apply'];
      const phaseMs = Object.fromEntries(phaseNames.map((p) => [p, +median(phaseRuns.map((r) => r[p] ?? 0)).toFixed(1)]));
      const mainThread = phaseRuns.map((r) => (r.push ?? 0) + (r.loss ?? 0) + (r.sum ?? 0) + (r.apply ?? 0));
      emit({
        setting: `demo network (resnet_small.demo, ${SIZE} px) with SEE Proxy-Anchor, batch ${BATCH}; eval batch ${EVAL_BATCH}`,
        workers,
        repeats,
        warmup,
        block,
        load_average_start: load,
        load_average_end: loadavg()[0],
        step_ms_1_thread: +s1.toFixed(1),
        step_ms_workers: +sn.toFixed(1),
        step_speedup: +(s1 / sn).toFixed(3),
        embed_ms_1_thread: +m1.toFixed(1),
        embed_ms_workers: +mn.toFixed(1),
        embed_speedup: +(m1 / mn).toFixed(3),
        network_ms_1_worker: +w1.toFixed(1),
        network_ms_workers: +wn.toFixed(1),
        network_speedup: +(w1 / wn).toFixed(3),
        serial_ms: +(sn - wn).toFixed(1),
        step_speedup_bound: +(s1 / wn).toFixed(3),
        fixed_batch: FIXED_BATCH,
        fixed_ms_1_thread: +fixed.toFixed(1),
        step_speedup_bound_fixed: +(s1 / (fixed + (s1 - fixed) / workers)).toFixed(3),
        phase_ms_workers: phaseMs,
        main_thread_ms: +median(mainThread).toFixed(1),
      });
    } finally {
      await stepper.close();
      await network.close();
      tf.dispose([images, labels, evalImages, fixedBatch.images, fixedBatch.labels]);
      for (const p of [single, parallel]) {
        p.optimizer.dispose();
        p.loss.dispose();
        p.model.dispose();
      }
    }
  },
};
