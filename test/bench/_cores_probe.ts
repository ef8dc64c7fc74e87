/**
 * One process of `npm run bench -- cores` (test/bench/cores.ts): runs one kind of work on the wasm
 * backend in a loop and prints its speed. It prints `ready` after its warm-up and starts timing when
 * a line arrives on stdin, so that the parent can start several of them at once. Its warm-up is
 * BENCH_WARMUP rounds of 4 ops (default 100, see WARMUP_ROUNDS).
 *   node --import tsx test/bench/_cores_probe.ts <gemm|stream|demo_step:<batch>|demo_step_profiled:<batch>>
 * Output: one JSON line {"probe", "warmup_rounds", "ms_per_op", "rate", "unit"}: GFLOP/s (gemm), GB/s moved (stream)
 * or images/s (demo_step). `demo_step_profiled` is demo_step with every kernel timed
 * (lib/backend/kernel_profile.ts) and adds "kernel_ms_per_op" (time inside tfjs kernels) and
 * "outside_kernels_ms_per_op" (the rest: tfjs's engine and tape, the kit's JavaScript, the fused
 * BatchNorm passes it runs outside kernels, the profiler's own timing).
 */
import { once } from 'node:events';
import { initBackend, tf } from '../../lib/tf';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { profileKernels } from '../../lib/backend/kernel_profile';
import { benchEnvInteger, median } from './harness';

interface Probe {
  /** the work, on inputs made once; its result is read once per round */
  op: () => tf.Tensor;
  /** work of one op: floating-point operations (gemm), bytes read and written (stream), images (demo_step) */
  work: number;
  /** the rate's unit: work / 1e6 per ms for gemm and stream, work * 1e3 per ms for images */
  unit: 'GFLOP/s' | 'GB/s' | 'images/s';
}

/** Matrix product of 512 x 512 matrices (3 MB in all: the work stays in the caches, bound by arithmetic). */
function gemm(): Probe {
  const n = 512;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1); // [n, n]
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2); // [n, n]
  return { op: () => tf.matMul(a, b), work: 2 * n ** 3, unit: 'GFLOP/s' };
}

/** relu(x + y) over 4 M floats (16 MB each, beyond the caches: bound by memory bandwidth), two kernels. */
function stream(): Probe {
  const n = 4 * 2 ** 20;
  const x = tf.randomNormal([n], 0, 1, 'float32', 1); // [n]
  const y = tf.randomNormal([n], 0, 1, 'float32', 2); // [n]
  // add: reads 2n, writes n; relu: reads n, writes n (floats of 4 bytes)
  return { op: () => tf.tidy(() => tf.relu(tf.add(x, y))), work: 5 * n * 4, unit: 'GB/s' };
}

/**
 * What a training worker does for its share of the demo's batch: the demo network's forward pass
 * with the tape open and its backward pass (resnet_small.demo, 32 px, 64-d), from a fixed dL/dE.
 */
function demoStep(batch: number): Probe {
  const model = createEmbeddingModel('resnet_small.demo', { embeddingDim: 64, seed: 1 });
  const groups = model.variableGroups();
  const trainable = [...groups.backbone, ...groups.head].filter((v) => v.trainable);
  const images = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D; // [b, 32, 32, 3]
  const dE = tf.randomNormal([batch, 64], 0, 1, 'float32', 2); // [b, 64]
  const op = (): tf.Tensor => {
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.mul(model.embed(images, true), dE)) as tf.Scalar), trainable);
    tf.dispose(Object.values(grads));
    return value; // [] scalar
  };
  return { op, work: batch, unit: 'images/s' };
}

const PROBES: Record<string, (arg?: number) => Probe> = {
  gemm,
  stream,
  demo_step: (b) => demoStep(b ?? 90),
  demo_step_profiled: (b) => demoStep(b ?? 90),
};
const ROUNDS = 15;
const OPS_PER_ROUND = 4;
/**
 * rounds before `ready` (BENCH_WARMUP overrides): V8 goes on compiling the demo step's JavaScript on
 * background threads for its first few hundred steps (user CPU 1.6 ms a step above the wall time after
 * 50 steps at batch 90, 0.5 after 400), on the idle core when one process runs alone, against the
 * other process when two do: the demo's half-batch step scaled 1.59-1.65x after 20 steps, 1.93x after
 * 200, 1.96-2.00x after 400-600 (2026-12-02)
 */
const WARMUP_ROUNDS = 100;

async function round(probe: Probe): Promise<number> {
  const t0 = performance.now();
  for (let k = 0; k < OPS_PER_ROUND; k++) {
    const out = probe.op();
    if (k === OPS_PER_ROUND - 1) await out.data();
    out.dispose();
  }
  return (performance.now() - t0) / OPS_PER_ROUND;
}

async function main(): Promise<void> {
  const spec = process.argv[2] ?? '';
  const [name, arg] = spec.split(':');
  const make = PROBES[name];
  if (!make) throw new Error(`_cores_probe: probe "${spec}", expected one of ${Object.keys(PROBES).join(', ')}`);
  if (arg !== undefined && !(Number.isInteger(Number(arg)) && Number(arg) > 0)) {
    throw new Error(`_cores_probe: "${spec}": expected a positive integer after the colon`);
  }
  await initBackend('wasm', { quiet: true });
  const probe = make(arg === undefined ? undefined : Number(arg));
  const warmup = benchEnvInteger('_cores_probe', 'BENCH_WARMUP', WARMUP_ROUNDS, 0);
  for (let i = 0; i < warmup; i++) await round(probe);
  console.log('ready');
  await once(process.stdin, 'data');
  const ms: number[] = [];
  const kernelMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (name === 'demo_step_profiled') {
      const profile = await profileKernels(() => round(probe));
      ms.push(profile.wallMs / OPS_PER_ROUND);
      kernelMs.push((profile.wallMs - profile.otherMs) / OPS_PER_ROUND);
    } else ms.push(await round(probe));
  }
  const msPerOp = median(ms);
  const rate = probe.unit === 'images/s' ? (probe.work * 1e3) / msPerOp : probe.work / msPerOp / 1e6;
  const split = kernelMs.length
    ? { kernel_ms_per_op: median(kernelMs), outside_kernels_ms_per_op: median(ms.map((m, i) => m - kernelMs[i])) }
    : {};
  console.log(JSON.stringify({ probe: spec, warmup_rounds: warmup, ms_per_op: msPerOp, rate, unit: probe.unit, ...split }));
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
