/**
 * One process of `npm run bench -- cores` (test/bench/cores.ts): runs one kind of wasm kernel in a
 * loop and prints its speed. It prints `ready` after its warm-up and starts timing when a line
 * arrives on stdin, so that the parent can start several of them at once.
 *   node --import tsx test/bench/_cores_probe.ts <gemm|stream>
 * Output: one JSON line {"probe", "ms_per_op", "rate"}: rate in GFLOP/s (gemm) or GB/s moved (stream).
 */
import { once } from 'node:events';
import { initBackend, tf } from '../../lib/tf';

interface Probe {
  /** the kernel, on inputs made once */
  op: () => tf.Tensor;
  /** work of one op: floating-point operations (gemm) or bytes read and written (stream) */
  work: number;
  /** rate unit divisor: GFLOP/s or GB/s from work per ms */
  unit: string;
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

const PROBES: Record<string, () => Probe> = { gemm, stream };
const ROUNDS = 15;
const OPS_PER_ROUND = 4;

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
  const name = process.argv[2];
  const make = PROBES[name];
  if (!make) throw new Error(`_cores_probe: probe "${name}", expected one of ${Object.keys(PROBES).join(', ')}`);
  await initBackend('wasm', { quiet: true });
  const probe = make();
  for (let i = 0; i < 5; i++) await round(probe);
  console.log('ready');
  await once(process.stdin, 'data');
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) ms.push(await round(probe));
  ms.sort((a, b) => a - b);
  const median = ms[ROUNDS >> 1];
  console.log(JSON.stringify({ probe: name, ms_per_op: median, rate: probe.work / median / 1e6, unit: probe.unit }));
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
