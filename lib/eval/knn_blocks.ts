/**
 * Blocked exact search without the N x N matrix: the similarity matrix is computed block by
 * block (blockSize^2 floats at a time per thread) and each block goes straight through the
 * counting kernel. Several worker threads (each with its own tfjs-wasm backend, or the JS GEMM)
 * claim blocks from a shared counter; their counts are summed at the end.
 * Memory: the embeddings once in shared memory (a copy if the caller's are not shared), plus per
 * thread a few blocks of blockSize^2 floats and the counts.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { blockTasks } from './block_tasks';
import { runBlocks, type BlockJob } from './block_runner';
import type { KernelTables } from './count_kernel';
import { gemmAbT } from './gemm_js';
import type { WorkerKernel } from './block_worker';
import type { ProgressCallback } from './progress';

export interface BlockOptions {
  /** worker threads; 0 computes in this thread with the JS GEMM. Default: 1 thread per core (max 2)
   * when the job is larger than about 4 GFLOP, else 0 */
  workers?: number;
  /** GEMM of the workers: tfjs-wasm matMul (default, 6-15x faster) or plain JS */
  kernel?: WorkerKernel;
  /** rows and columns per block (default 2048) */
  blockSize?: number;
  onProgress?: ProgressCallback;
}

function shared<T extends Float32Array | Int32Array | Float64Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  (out as unknown as { set(x: T): void }).set(a);
  return out;
}

/** Shares the tables with workers; `g === q` (one labelled set) is shared once. */
function shareTables(t: KernelTables): KernelTables {
  const q = shared(t.q);
  const qLabels = shared(t.qLabels);
  return {
    ...t,
    q,
    qLabels,
    g: t.g === t.q ? q : shared(t.g),
    gLabels: t.gLabels === t.qLabels ? qLabels : shared(t.gLabels),
    offsets: shared(t.offsets),
    sims: shared(t.sims),
    caps: shared(t.caps),
  };
}

export function defaultWorkers(queries: number, references: number, dim: number): number {
  const flops = 2 * queries * references * dim;
  return flops < 4e9 ? 0 : Math.max(1, Math.min(2, availableParallelism()));
}

/** Counts, per threshold, the other-label references strictly more similar (see count_kernel.ts). */
export async function countAbove(tables: KernelTables, symmetric: boolean, options: BlockOptions = {}): Promise<Int32Array> {
  const nq = tables.qLabels.length;
  const ng = tables.gLabels.length;
  const blockSize = options.blockSize ?? 2048;
  const workers = options.workers ?? defaultWorkers(nq, ng, tables.dim);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`workers must be a non-negative integer, got ${workers}`);
  const tasks = blockTasks(nq, ng, blockSize, symmetric);
  const total = tasks.length / 2;
  const started = Date.now();
  const report = (done: number): void =>
    options.onProgress?.({ phase: 'similarity blocks', done, total, elapsedSeconds: (Date.now() - started) / 1000 });

  if (workers === 0) {
    const control = new Int32Array(2);
    const out = new Float32Array(blockSize * blockSize);
    const job: BlockJob = { tables, symmetric, blockSize, tasks, control };
    const counts = await runBlocks(job, (q0, bi, g0, bj) => {
      const view = out.subarray(0, bi * bj);
      gemmAbT(tables.q, q0, bi, tables.g, g0, bj, tables.dim, view);
      return view;
    });
    report(total);
    return counts;
  }

  const job: BlockJob = {
    tables: shareTables(tables),
    symmetric,
    blockSize,
    tasks: shared(tasks),
    control: new Int32Array(new SharedArrayBuffer(8)),
  };
  const kernel = options.kernel ?? 'wasm';
  const timer = setInterval(() => report(Atomics.load(job.control, 1)), 500);
  try {
    const parts = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<Int32Array>((resolve, reject) => {
            const w = new Worker(join(__dirname, 'block_worker_boot.js'), { workerData: { job, kernel } });
            let result: Int32Array | undefined;
            w.on('message', (m: { counts: Int32Array }) => {
              result = m.counts;
            });
            w.on('error', (err) => reject(new Error(`evaluation worker failed: ${err.message}`)));
            w.on('exit', (code) => {
              if (result) resolve(result);
              else reject(new Error(`evaluation worker exited with code ${code} before reporting its counts`));
            });
          }),
      ),
    );
    const counts = new Int32Array(tables.sims.length);
    for (const p of parts) for (let i = 0; i < counts.length; i++) counts[i] += p[i];
    report(total);
    return counts;
  } finally {
    clearInterval(timer);
  }
}
