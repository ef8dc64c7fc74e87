/**
 * Worker thread of knn_blocks.ts: starts its own tfjs backend (wasm) or uses the JS GEMM,
 * runs block tasks until none are left, and posts its counts back.
 * Loaded through block_worker_boot.js (plain CommonJS that registers tsx first).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBlocks, type BlockJob } from './block_runner';
import { gemmAbT } from './gemm_js';

export type WorkerKernel = 'wasm' | 'js';

export interface WorkerInput {
  job: BlockJob;
  kernel: WorkerKernel;
}

async function main(): Promise<void> {
  const { job, kernel } = workerData as WorkerInput;
  const { q, g, dim } = job.tables;
  let gemm;
  if (kernel === 'wasm') {
    // require, not import(): tsx's CommonJS hook (block_worker_boot.js) does not cover import()
    const { initBackend } = require('../tf') as typeof import('../tf');
    await initBackend('wasm', { quiet: true });
    const { wasmBlockGemm } = require('./gemm_wasm') as typeof import('./gemm_wasm');
    gemm = wasmBlockGemm(q, g, dim, job.blockSize);
  } else {
    const out = new Float32Array(job.blockSize * job.blockSize);
    gemm = (q0: number, bi: number, g0: number, bj: number): Float32Array => {
      const view = out.subarray(0, bi * bj);
      gemmAbT(q, q0, bi, g, g0, bj, dim, view);
      return view;
    };
  }
  const counts = await runBlocks(job, gemm);
  parentPort?.postMessage({ counts }, [counts.buffer as ArrayBuffer]);
}

main().catch((err: unknown) => {
  // surfaces in the parent's 'error' handler with the message intact
  throw err instanceof Error ? err : new Error(String(err));
});
