/**
 * `npm run bench -- cores`: what this machine's cores give together, which bounds the data-parallel
 * figures of the workers and backbones benches (they cannot scale better than the work they split):
 * the same work in one process alone, then in two processes at once (test/bench/_cores_probe.ts,
 * started together once both are warm), alternating, BENCH_REPEATS (default 3) times each. Three
 * kinds: a matrix product that stays in the caches (`gemm`, bound by arithmetic), an add and a relu
 * over 16 MB arrays (`stream`, bound by memory bandwidth) and what a training worker does with half
 * the demo's batch (`demo_step`: the demo network's forward and backward at batch 90, 32 px).
 * Each process warms up for BENCH_WARMUP rounds of 4 ops first (`warmup_rounds`; default 100,
 * _cores_probe.ts says why: after 5, as before, V8's compiler threads of two processes competed for
 * the cores).
 * `*_scaling` is the two processes' combined rate over one alone's: 2 when the cores do not slow
 * each other (the workers bench's `network_speedup` is the same question asked of its worker
 * threads, with the work split).
 * Which part of the demo's step the other core slows: the same step with every kernel timed
 * (`demo_step_profiled`, lib/backend/kernel_profile.ts), its ms per step inside tfjs kernels
 * (`demo_step_kernel_ms_*`) and outside them (`demo_step_outside_kernels_ms_*`: tfjs's engine and
 * tape, the kit's JavaScript, the fused BatchNorm passes, the profiler's own timing), alone and each
 * of two at once, and `*_slowdown` = each of two / alone (1 = no contention).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { type Benchmark, median } from './harness';

interface ProbeResult {
  probe: string;
  ms_per_op: number;
  rate: number;
  unit: string;
  /** rounds of 4 ops before timing (BENCH_WARMUP, default in _cores_probe.ts) */
  warmup_rounds: number;
  /** demo_step_profiled only */
  kernel_ms_per_op?: number;
  outside_kernels_ms_per_op?: number;
}

const PROBE = join(__dirname, '_cores_probe.ts');
/** half of the demo's batch of 180: one worker's share on two workers */
const HALF_BATCH = 90;

/** Starts `count` probe processes, lets them time together once all are warm, returns their results. */
async function together(probe: string, count: number): Promise<ProbeResult[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', PROBE, probe], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const outputs = children.map(() => '');
  const ready = children.map(
    (child, i) =>
      new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          outputs[i] += chunk.toString();
          if (outputs[i].includes('ready\n')) resolve();
        });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cores bench: probe ${probe} exited with code ${code}`))));
      }),
  );
  const exited = children.map((child) => new Promise<number | null>((resolve) => child.on('exit', resolve)));
  try {
    await Promise.all(ready);
  } catch (err) {
    for (const c of children) c.kill();
    throw err;
  }
  for (const c of children) c.stdin.write('go\n');
  const codes = await Promise.all(exited);
  return outputs.map((out, i) => {
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (codes[i] !== 0 || !line)
      throw new Error(`cores bench: probe ${probe} (process ${i + 1} of ${count}) gave no result (exit ${codes[i]})`);
    return JSON.parse(line) as ProbeResult;
  });
}

export const benchmark: Benchmark = {
  description:
    "one process alone vs two at once: a cache-bound matrix product, a memory-bound element-wise pass and the demo network's half-batch step, inside and outside its kernels (what two cores give)",
  async run(emit) {
    const repeats = Number(process.env.BENCH_REPEATS ?? 3);
    if (!Number.isInteger(repeats) || repeats < 1)
      throw new Error(`cores bench: BENCH_REPEATS=${process.env.BENCH_REPEATS}, expected a positive integer`);
    const record: Record<string, unknown> = { repeats, load_average_start: loadavg()[0] };
    for (const probe of ['gemm', 'stream', `demo_step:${HALF_BATCH}`, `demo_step_profiled:${HALF_BATCH}`]) {
      const key = probe.split(':')[0];
      const alone: ProbeResult[] = [];
      const each: ProbeResult[] = [];
      for (let r = 0; r < repeats; r++) {
        alone.push(...(await together(probe, 1)));
        each.push(...(await together(probe, 2)));
      }
      if (key === 'demo_step_profiled') {
        for (const [part, field] of [
          ['kernel', 'kernel_ms_per_op'],
          ['outside_kernels', 'outside_kernels_ms_per_op'],
        ] as const) {
          const values = (results: ProbeResult[]): number[] =>
            results.map((x) => {
              const v = x[field];
              if (typeof v !== 'number') throw new Error(`cores bench: probe ${probe} gave no ${field}`);
              return v;
            });
          const [a, e] = [median(values(alone)), median(values(each))];
          record[`demo_step_${part}_ms_1_process`] = +a.toFixed(2);
          record[`demo_step_${part}_ms_each_of_2`] = +e.toFixed(2);
          record[`demo_step_${part}_slowdown`] = +(e / a).toFixed(3);
        }
        continue;
      }
      record.warmup_rounds = alone[0].warmup_rounds;
      const [a, e] = [median(alone.map((x) => x.rate)), median(each.map((x) => x.rate))];
      record[`${key}_unit`] = alone[0].unit;
      record[`${key}_rate_1_process`] = +a.toFixed(2);
      record[`${key}_rate_each_of_2`] = +e.toFixed(2);
      record[`${key}_scaling`] = +((2 * e) / a).toFixed(3);
      if (key === 'demo_step') record.demo_step_batch = HALF_BATCH;
    }
    record.load_average_end = loadavg()[0];
    emit(record);
  },
};
