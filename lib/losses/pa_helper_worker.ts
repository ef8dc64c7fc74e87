/**
 * The Proxy-Anchor helper thread (pa_helper.ts starts it): the kit's SIMD kernels on a WebAssembly
 * memory of its own (no tfjs), running paNegativeBlocks on the class range of each job while the
 * main thread runs the other range. Protocol: pa_helper_protocol.ts.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { KernelMemory } from '../backend/wasm_kernels/heap';
import { DONE, FAILED, stageLayout, type PaHelperJob } from './pa_helper_protocol';

// require, not import(): tsx's CommonJS hook (pa_helper_worker_boot.js) does not cover import()
const { loadHeapKernels, wantsFma } = require('../backend/wasm_kernels/simd/load') as typeof import('../backend/wasm_kernels/simd/load');
const { nativeGemmFromEnv } = require('../backend/wasm_kernels/native_gemm') as typeof import('../backend/wasm_kernels/native_gemm');
const { BLOCK, paNegativeBlocks } = require('./pa_blocks') as typeof import('./pa_blocks');

const { control, jobs, errors } = workerData as { control: SharedArrayBuffer; jobs: MessagePort; errors: MessagePort };
const word = new Int32Array(control);
const PAGE = 65536;
const memory = new WebAssembly.Memory({ initial: 16 });
const { kernels } = loadHeapKernels(memory, wantsFma(), nativeGemmFromEnv()); // the same product as the main thread's

/** bump allocation in `memory`, grown on demand; scratch is released in reverse order */
let top = 0;
const arena: KernelMemory = {
  bytes: () => new Uint8Array(memory.buffer),
  scratch(floats) {
    const address = top;
    top += Math.ceil((4 * floats) / 64) * 64;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / PAGE));
    return { address, release: () => void (top = address) };
  },
};

function run(job: PaHelperJob): void {
  const { n, d, count } = job;
  const stage = new Float32Array(job.stage);
  const at = stageLayout(n, d, count, job.wantV);
  top = 0;
  const alloc = (floats: number): number => arena.scratch(floats).address;
  const block = Math.min(BLOCK, count);
  const addr = {
    x: alloc(n * d),
    labels: alloc(n),
    proxies: alloc(count * d),
    w: alloc(count * d),
    sums: alloc(count),
    posCos: alloc(n),
    v: job.wantV ? alloc(n * d) : undefined,
    g: alloc(block * n),
    q: job.wantV ? alloc(block * d) : undefined,
  };
  let heap = new Float32Array(memory.buffer);
  heap.set(stage.subarray(at.x, at.x + n * d), addr.x / 4);
  new Int32Array(memory.buffer).set(new Int32Array(job.stage, 4 * at.labels, n), addr.labels / 4);
  heap.set(stage.subarray(at.proxies, at.proxies + count * d), addr.proxies / 4);
  heap.fill(0, addr.sums / 4, addr.sums / 4 + count);
  heap.fill(0, addr.posCos / 4, addr.posCos / 4 + n);
  if (addr.v !== undefined) heap.fill(0, addr.v / 4, addr.v / 4 + n * d);
  paNegativeBlocks(arena, kernels, { ...job, ...addr });
  heap = new Float32Array(memory.buffer); // the gemm scratch may have grown the memory
  stage.set(heap.subarray(addr.w / 4, addr.w / 4 + count * d), at.w);
  stage.set(heap.subarray(addr.sums / 4, addr.sums / 4 + count), at.sums);
  stage.set(heap.subarray(addr.posCos / 4, addr.posCos / 4 + n), at.posCos);
  if (addr.v !== undefined) stage.set(heap.subarray(addr.v / 4, addr.v / 4 + n * d), at.v);
}

jobs.on('message', (job: PaHelperJob) => {
  let state = DONE;
  try {
    run(job);
  } catch (err) {
    state = FAILED;
    errors.postMessage(err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err));
  }
  Atomics.store(word, 0, state);
  Atomics.notify(word, 0);
});
