/**
 * `npm run bench -- eval`: the evaluators at Stanford Online Products size (60,502 x 128 and
 * x 512, 11,316 classes), on seeded clustered synthetic embeddings: Recall@{1,10,100,1000} and
 * MAP@R + R-Precision, each timed on its own, with the peak resident memory while it ran.
 * Issue 4 targets: Recall@K <= 45 s at d=128 and <= 130 s at d=512; peak <= 2 GB beyond the embeddings.
 * EVAL_BENCH_N / EVAL_BENCH_DIMS shrink it for a quick check.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { evaluate, type Metric } from '../../lib/eval';
import { gaussian, mulberry32 } from '../../lib/random';
import type { Benchmark } from './harness';

const N = Number(process.env.EVAL_BENCH_N ?? 60502);
const CLASSES = Math.round((N * 11316) / 60502);
const DIMS = (process.env.EVAL_BENCH_DIMS ?? '128,512').split(',').map(Number);

/** Unit rows: class centre + noise (sigma^2 = 2 at d <= 128, else 5: recall@1 about 0.7-0.8), labels i % classes. */
export function syntheticSop(n: number, dim: number, classes: number, seed: number): { x: Float32Array; y: Int32Array } {
  const g = gaussian(mulberry32(seed));
  const centres = new Float32Array(classes * dim).map(() => g());
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  const sigma = Math.sqrt(dim <= 128 ? 2 : 5);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = centres[y[i] * dim + k] + sigma * g();
      x[i * dim + k] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) x[i * dim + k] *= inv;
  }
  return { x, y };
}

function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Runs fn while sampling this process's RSS (worker threads included) every 50 ms. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; startMb: number }> {
  const startMb = process.memoryUsage().rss / 2 ** 20;
  let peak = startMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
  }, 50);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
    return { value, peakMb: peak, startMb };
  } finally {
    clearInterval(timer);
  }
}

export const benchmark: Benchmark = {
  description: 'Recall@{1,10,100,1000} and MAP@R/R-Precision at SOP size (60,502 x 128/512, 11,316 classes), seconds and peak RSS',
  async run(emit) {
    for (const dim of DIMS) {
      const { x, y } = syntheticSop(N, dim, CLASSES, 4);
      const embeddingsMb = x.byteLength / 2 ** 20;
      const runs: { name: string; metrics: Metric[] }[] = [
        { name: 'recall@{1,10,100,1000}', metrics: ['recall'] },
        { name: 'map@r+r-precision', metrics: ['mapAtR', 'rPrecision'] },
      ];
      for (const r of runs) {
        const cpu0 = process.cpuUsage(); // whole process: main thread and worker threads
        const t0 = process.hrtime.bigint();
        const { value, peakMb, startMb } = await withPeakRss(() =>
          evaluate({ embeddings: x, dim, labels: y }, 'sop', { metrics: r.metrics }),
        );
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        emit({
          metric: r.name,
          n: N,
          dim,
          classes: CLASSES,
          seconds: Number(seconds.toFixed(2)),
          // CPU time of all threads: on a quiet 2-core machine the wall time is about half of it
          cpu_seconds: Number(cpuSeconds.toFixed(2)),
          loadavg_1m: Number(loadavg()[0].toFixed(2)),
          peak_rss_mb: Math.round(peakMb),
          rss_before_mb: Math.round(startMb),
          peak_beyond_start_mb: Math.round(peakMb - startMb),
          embeddings_mb: Math.round(embeddingsMb),
          vm_hwm_mb: Math.round(vmHwmMb()),
          recall: value.recall?.map((v) => [v.k, Number(v.recall.toFixed(4))]),
          map_at_r: value.mapAtR,
          r_precision: value.rPrecision,
          workers: 2,
          kernel: 'wasm',
          block: 2048,
        });
      }
    }
  },
};
