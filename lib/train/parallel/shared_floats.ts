/**
 * A SharedArrayBuffer of float32 values, reused across messages and grown only when too small:
 * posting views of it to a worker thread copies nothing, and filling it again is a plain copy, where
 * filling a fresh buffer of tens of MB costs far more (ResNet-50's 94 MB of weights: 0.3-0.45 s fresh,
 * 0.02-0.06 s reused, on this VM; presumably the first touch of every page). Whoever writes into it must know the other side has
 * finished reading the previous contents (worker_pool.ts: an acknowledgement; train_worker.ts: the
 * main thread sums a step's gradients before it starts the next step).
 */
export class SharedFloats {
  private floats = new Float32Array(new SharedArrayBuffer(0));

  /** consecutive views of these sizes (in floats) from the buffer's start, growing it when needed */
  views(sizes: readonly number[]): Float32Array[] {
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total > this.floats.length) this.floats = new Float32Array(new SharedArrayBuffer(4 * total));
    const out: Float32Array[] = [];
    let offset = 0;
    for (const n of sizes) {
      out.push(this.floats.subarray(offset, offset + n));
      offset += n;
    }
    return out;
  }
}
