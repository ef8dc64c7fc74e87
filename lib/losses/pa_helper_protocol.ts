/**
 * What the main thread and the Proxy-Anchor helper thread (pa_helper.ts, pa_helper_worker.ts) share:
 * a control word and a staging buffer (both SharedArrayBuffers) and the job message. The main thread
 * writes a job's inputs into the staging buffer, posts the job, and waits on the control word; the
 * helper copies the inputs into its own WebAssembly memory, runs paNegativeBlocks on them and writes
 * the outputs back to the staging buffer before it sets the word to DONE (or FAILED, with the error
 * on the error port).
 */
import type { PaRange } from './pa_blocks';

/** values of the control word (Int32Array over the control buffer, index 0) */
export const IDLE = 0;
export const DONE = 1;
export const FAILED = 2;

export interface PaHelperJob extends PaRange {
  kind: 'job';
  /** staging buffer, laid out by stageLayout */
  stage: SharedArrayBuffer;
  /** V (x gets a gradient) */
  wantV: boolean;
}

/** float offsets of each array in the staging buffer, and its length in floats */
export interface StageLayout {
  x: number; // in: [N, D]
  labels: number; // in: int32 [N]
  proxies: number; // in: [count, D]
  w: number; // out: [count, D]
  sums: number; // out: [count]
  posCos: number; // out: [N]
  v: number; // out: [N, D] (wantV)
  floats: number;
}

export function stageLayout(n: number, d: number, count: number, wantV: boolean): StageLayout {
  const x = 0;
  const labels = x + n * d;
  const proxies = labels + n;
  const w = proxies + count * d;
  const sums = w + count * d;
  const posCos = sums + count;
  const v = posCos + n;
  return { x, labels, proxies, w, sums, posCos, v, floats: v + (wantV ? n * d : 0) };
}
