/**
 * The block loop of the fused Proxy-Anchor (fused_proxy_anchor.ts) on raw memory, for a range of
 * classes: the part that reads the exponentials E_ic = exp(alpha (x_i . p_c + mrg)). For each block
 * of at most BLOCK classes (blocks start at multiples of BLOCK, so a range split at such a multiple
 * computes every block exactly as the whole range would): the cosines [rows, N] (gemm.ts, x read
 * transposed in place), the SIMD exponential with the positive pairs masked and the row sums S
 * (exp_mask_sum), W of the block = E x, and, when x gets a gradient, V += E^T q with q = the block's
 * proxies / (1 + S), E^T read in place.
 * It runs on tfjs-wasm's heap (main thread) and in the helper thread's own memory (pa_helper_worker.ts).
 */
import { gemmOnHeap, type HeapMatrix } from '../backend/wasm_kernels/gemm';
import type { KernelMemory } from '../backend/wasm_kernels/heap';
import type { HeapKernels } from '../backend/wasm_kernels/simd/load';

/** classes per block: [2048, N] exponentials (9 MB at N = 1,152) */
export const BLOCK = 2048;

/** the sizes of one range's work and Proxy-Anchor's two constants */
export interface PaRange {
  /** rows (points) and their dimension */
  n: number;
  d: number;
  /** the range: classes first .. first + count - 1 */
  first: number;
  count: number;
  alpha: number;
  margin: number;
}

/** a range's work with the byte addresses (float32 unless said) of its operands */
export interface PaBlocksJob extends PaRange {
  /** [N, D] unit rows */
  x: number;
  /** int32 [N] class of each row */
  labels: number;
  /** [count, D] unit proxies of the range */
  proxies: number;
  /** out [count, D]: W_c = sum_i E_ic x_i */
  w: number;
  /** out [count], zeroed: S_c */
  sums: number;
  /** out [N], zeroed: cos(x_i, p_{y_i}) where y_i is in the range */
  posCos: number;
  /** [N, D]: V_i += sum_c E_ic p_c / (1 + S_c) over the range, when x gets a gradient */
  v?: number;
  /** scratch [min(BLOCK, count), N] */
  g: number;
  /** scratch [min(BLOCK, count), D], with v */
  q?: number;
}

/** Runs the job's blocks. */
export function paNegativeBlocks(memory: KernelMemory, k: HeapKernels, job: PaBlocksJob): void {
  const { n, d, first, count } = job;
  const xRows: HeapMatrix = { address: job.x, rowStride: d, colStride: 1 }; // x [N, D]
  const xColumns: HeapMatrix = { address: job.x, rowStride: 1, colStride: d }; // x^T [D, N], in place
  const e: HeapMatrix = { address: job.g, rowStride: n, colStride: 1 }; // [rows, N] E of a block
  const eT: HeapMatrix = { address: job.g, rowStride: 1, colStride: n }; // E^T [N, rows], in place
  for (let r0 = 0; r0 < count;) {
    const c0 = first + r0;
    const rows = Math.min(BLOCK - (c0 % BLOCK), count - r0);
    const proxies: HeapMatrix = { address: job.proxies + 4 * r0 * d, rowStride: d, colStride: 1 }; // [rows, D]
    gemmOnHeap(memory, k, proxies, xColumns, job.g, rows, d, n); // [rows, N] cosines
    k.exp_mask_sum(job.g, rows, n, job.labels, c0, job.alpha, job.margin, job.sums + 4 * r0, job.posCos);
    gemmOnHeap(memory, k, e, xRows, job.w + 4 * r0 * d, rows, n, d); // [rows, D] W of the block
    if (job.v !== undefined && job.q !== undefined) {
      const heap = new Float32Array(memory.bytes().buffer);
      const [p0, q0, s0] = [proxies.address / 4, job.q / 4, job.sums / 4 + r0];
      for (let r = 0; r < rows; r++) {
        const scale = 1 / (1 + heap[s0 + r]);
        for (let j = 0; j < d; j++) heap[q0 + r * d + j] = heap[p0 + r * d + j] * scale;
      }
      const scaled: HeapMatrix = { address: job.q, rowStride: d, colStride: 1 }; // [rows, D]
      gemmOnHeap(memory, k, eT, scaled, job.v, n, rows, d, true); // V += E^T q [N, D]
    }
    r0 += rows;
  }
}
