/**
 * Benchmark harness: `npm run bench -- <name>` runs test/bench/<name>.ts, `npm run bench` runs all.
 * Every measured setting is one JSON object printed on its own line (JSON Lines) and appended
 * to data/bench/<name>.jsonl, stamped with the machine, backend, threads and date (on wasm also
 * wasm_matmul: how the kit's matrix product sums, 'fma' or 'mul-add', SEE_WASM_FMA).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, hostname } from 'node:os';
import { join } from 'node:path';
import { backendInfo } from '../../lib/tf';
import { gemmVariant } from '../../lib/backend/wasm_kernels/simd';

export type BenchRecord = Record<string, unknown>;
export type Emit = (record: BenchRecord) => void;
export interface Benchmark {
  /** what the benchmark measures, one line */
  description: string;
  run(emit: Emit): Promise<void>;
}

export function machineStamp(): BenchRecord {
  const cpu = cpus();
  return {
    machine: `${hostname()}: ${cpu.length} x ${cpu[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** An emitter that stamps each record and writes it to stdout and data/bench/<name>.jsonl. */
export function makeEmitter(name: string, outDir = join(__dirname, '..', '..', 'data', 'bench')): Emit {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.jsonl`);
  return (record) => {
    let backend: BenchRecord = {};
    try {
      const info = backendInfo();
      backend = { backend: info.name, threads: info.threads, ...(info.name === 'wasm' ? { wasm_matmul: gemmVariant() ?? null } : {}) };
    } catch {
      /* a benchmark that does not use tfjs */
    }
    const line = JSON.stringify({ bench: name, ...machineStamp(), ...backend, ...record });
    console.log(line);
    appendFileSync(file, line + '\n');
  };
}

/**
 * An integer setting of a bench from the environment: `fallback` when unset, else its value, refused
 * (naming `who`, the variable and the bound) unless an integer >= min.
 */
export function benchEnvInteger(who: string, name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const n = Number(raw ?? fallback);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${who}: ${name}=${raw}, expected ${min === 0 ? 'a non-negative integer' : `an integer >= ${min}`}`);
  return n;
}

/** The middle value of `xs` (the upper one of the two middle values when their count is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time in milliseconds of `fn` over `repeats` runs after `warmup` runs. */
export async function timeMs(fn: () => unknown | Promise<unknown>, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
