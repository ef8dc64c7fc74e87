/**
 * `npm run bench -- cores`: what this machine's cores give together, the ceiling of every
 * data-parallel figure (the workers and backbones benches): the same wasm kernel in one process
 * alone, then in two processes at once (test/bench/_cores_probe.ts, started together), alternating,
 * BENCH_REPEATS (default 3) times each. Two kernels: a matrix product that stays in the caches
 * (`gemm`, bound by arithmetic) and an add and a relu over 16 MB arrays (`stream`, bound by memory
 * bandwidth, like the element-wise kernels of a small network's training step). `*_scaling` is the
 * two processes' combined rate over one alone's: 2 when the cores do not slow each other.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import type { Benchmark } from './harness';

interface ProbeResult {
  probe: string;
  ms_per_op: number;
  rate: number;
  unit: string;
}

const PROBE = join(__dirname, '_cores_probe.ts');

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const benchmark: Benchmark = {
  description: 'one process alone vs two at once: a cache-bound matrix product and a memory-bound element-wise pass (what two cores give)',
  async run(emit) {
    const repeats = Number(process.env.BENCH_REPEATS ?? 3);
    const record: Record<string, unknown> = { repeats, load_average_start: loadavg()[0] };
    for (const probe of ['gemm', 'stream']) {
      const alone: number[] = [];
      const each: number[] = [];
      let unit = '';
      for (let r = 0; r < repeats; r++) {
        const [one] = await together(probe, 1);
        const two = await together(probe, 2);
        unit = one.unit;
        alone.push(one.rate);
        each.push(...two.map((t) => t.rate));
      }
      const [a, e] = [median(alone), median(each)];
      record[`${probe}_unit`] = unit;
      record[`${probe}_rate_1_process`] = +a.toFixed(2);
      record[`${probe}_rate_each_of_2`] = +e.toFixed(2);
      record[`${probe}_scaling`] = +((2 * e) / a).toFixed(3);
    }
    record.load_average_end = loadavg()[0];
    emit(record);
  },
};
