/**
 * m-per-class batches with the semantics of hyp_metric's `sampler.UniqueClassSempler` (htdt/hyp_metric
 * sampler.py, one process): each epoch is one pass over the training classes in a random order, every
 * class giving m images (drawn without replacement, with replacement only when the class has fewer
 * than m), cut into batches of batchSize, the last incomplete batch dropped. So an epoch has
 * floor(classes x m / batchSize) batches (CUB with 100 classes x 9 images and a batch of 900: one),
 * classes never repeat within a batch, and batches are class-major (m rows of one class, then the
 * next), the view layout the Hyp loss expects. The order depends only on (seed, epoch) as
 * hyp_metric's `torch.Generator().manual_seed(seed * 10000 + epoch)`; its exact stream is not
 * reproduced. Compare ./sampler.ts (the official SEE sampler: floor(N / batchSize) batches, classes
 * drawn afresh for each batch).
 */
import { keyedRandom } from '../random';

export interface ClassPassOptions {
  /** label of every training sample, in dataset order */
  labels: ArrayLike<number>;
  batchSize: number;
  /** images per class (hyp_metric's num_samples) */
  mPerClass: number;
  seed?: number;
}

export class ClassPassSampler {
  private readonly byClass: number[][];

  constructor(readonly options: ClassPassOptions) {
    const { labels, batchSize, mPerClass } = options;
    if (!Number.isInteger(mPerClass) || mPerClass < 1) throw new Error(`class-pass sampler: mPerClass = ${mPerClass}, expected a positive integer`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize % mPerClass !== 0) {
      throw new Error(`class-pass sampler: batchSize ${batchSize} must be a positive multiple of mPerClass ${mPerClass}`);
    }
    const groups = new Map<number, number[]>();
    for (let i = 0; i < labels.length; i++) {
      const g = groups.get(labels[i]);
      if (g) g.push(i); else groups.set(labels[i], [i]);
    }
    this.byClass = [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k) as number[]);
    if (this.batchesPerEpoch() === 0) {
      throw new Error(`class-pass sampler: ${this.byClass.length} classes x ${mPerClass} images give no full batch of ${batchSize}; lower the batch or raise mPerClass`);
    }
  }

  get numClasses(): number { return this.byClass.length; }

  /** floor(classes x m / batchSize) */
  batchesPerEpoch(): number {
    return Math.floor((this.byClass.length * this.options.mPerClass) / this.options.batchSize);
  }

  /** every batch of `epoch`: sample indices, class-major */
  epoch(epoch: number): number[][] {
    const { batchSize, mPerClass, seed = 0 } = this.options;
    const rng = keyedRandom(seed, epoch);
    const order = Array.from({ length: this.byClass.length }, (_, k) => k);
    for (let k = order.length - 1; k > 0; k--) {
      const j = rng.int(0, k + 1);
      [order[k], order[j]] = [order[j], order[k]];
    }
    const perClass = this.batchesPerEpoch() * (batchSize / mPerClass); // classes that make it into a full batch
    const stream: number[] = [];
    for (const c of order.slice(0, perClass)) stream.push(...this.draw(this.byClass[c], mPerClass, keyedRandom(seed, epoch, c)));
    return Array.from({ length: this.batchesPerEpoch() }, (_, i) => stream.slice(i * batchSize, (i + 1) * batchSize));
  }

  /** m members: without replacement (partial shuffle) unless there are fewer than m */
  private draw(members: number[], m: number, rng: ReturnType<typeof keyedRandom>): number[] {
    if (members.length < m) return Array.from({ length: m }, () => members[rng.int(0, members.length)]);
    const pool = members.slice();
    for (let k = 0; k < m; k++) {
      const j = rng.int(k, pool.length);
      [pool[k], pool[j]] = [pool[j], pool[k]];
    }
    return pool.slice(0, m);
  }
}
