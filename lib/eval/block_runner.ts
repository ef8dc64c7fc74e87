/**
 * Runs claimed block tasks through a GEMM and the counting kernel. Shared by the in-process
 * path and the worker threads: tasks are claimed from a shared counter with Atomics, so the
 * workers balance themselves, and each finished task bumps a shared `done` counter (progress).
 */
import { CountState, type KernelTables } from './count_kernel';

/** out[bi, bj] = q[q0.., :] . g[g0.., :]^T (float32, error within KernelTables.eps); a tfjs GEMM reads asynchronously */
export type BlockGemm = (q0: number, bi: number, g0: number, bj: number) => Float32Array | Promise<Float32Array>;

export interface BlockJob {
  tables: KernelTables;
  symmetric: boolean;
  blockSize: number;
  /** [rowStart, colStart] pairs */
  tasks: Int32Array;
  /** [next task to claim, tasks done]; SharedArrayBuffer-backed when shared with workers */
  control: Int32Array;
}

export async function runBlocks(job: BlockJob, gemm: BlockGemm): Promise<Int32Array> {
  const state = new CountState(job.tables);
  const nq = job.tables.qLabels.length;
  const ng = job.tables.gLabels.length;
  const nTasks = job.tasks.length / 2;
  for (;;) {
    const t = Atomics.add(job.control, 0, 1);
    if (t >= nTasks) break;
    const q0 = job.tasks[2 * t];
    const g0 = job.tasks[2 * t + 1];
    const bi = Math.min(job.blockSize, nq - q0);
    const bj = Math.min(job.blockSize, ng - g0);
    const block = await gemm(q0, bi, g0, bj); // [bi, bj]
    state.rows(block, q0, bi, g0, bj);
    if (job.symmetric && q0 !== g0) state.columns(block, q0, bi, g0, bj);
    Atomics.add(job.control, 1, 1);
  }
  return state.counts;
}
