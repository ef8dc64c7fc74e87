/**
 * m-per-class batch sampler with the semantics of the official `sampler.UniqueClassSampler`
 * (docs/official-recipe.md 3d): iterations per epoch = floor(N / batchSize); for batch i of an epoch,
 * batchSize / m classes are drawn without replacement (with replacement only when there are
 * fewer classes than that), then m images of each class are drawn with replacement.
 * Each batch's draws depend only on (seed, batch index, epoch), as the official seeding
 * `np.random.seed(i * 10000 + epoch)` does; numpy's exact stream is not reproduced.
 */
import { keyedRandom } from '../random';

export interface SamplerOptions {
  /** label of every training sample, in dataset order */
  labels: ArrayLike<number>;
  batchSize: number;
  /** images per class in a batch (IPC; 2 in the official recipe) */
  mPerClass: number;
  seed?: number;
}

export class UniqueClassSampler {
  private readonly byClass: number[][];
  readonly numSamples: number;

  constructor(readonly options: SamplerOptions) {
    const { labels, batchSize, mPerClass } = options;
    if (!Number.isInteger(mPerClass) || mPerClass < 1) throw new Error(`sampler: mPerClass = ${mPerClass}, expected a positive integer`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize % mPerClass !== 0) {
      throw new Error(`sampler: batchSize ${batchSize} must be a positive multiple of mPerClass ${mPerClass}`);
    }
    const groups = new Map<number, number[]>();
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      const g = groups.get(l);
      if (g) g.push(i); else groups.set(l, [i]);
    }
    this.byClass = [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k) as number[]);
    this.numSamples = labels.length;
    if (this.batchesPerEpoch() === 0) throw new Error(`sampler: ${labels.length} samples give no full batch of ${batchSize}`);
  }

  get numClasses(): number { return this.byClass.length; }

  /** floor(N / batchSize), as the official sampler's length */
  batchesPerEpoch(): number { return Math.floor(this.numSamples / this.options.batchSize); }

  /** sample indices of batch `i` of `epoch` (class-major: m indices of one class, then the next) */
  batch(i: number, epoch: number): number[] {
    const { batchSize, mPerClass, seed = 0 } = this.options;
    const rng = keyedRandom(seed, i * 10000 + epoch);
    const nPick = batchSize / mPerClass;
    const C = this.byClass.length;
    let classes: number[];
    if (nPick <= C) {
      // partial Fisher-Yates: nPick distinct classes
      const pool = Array.from({ length: C }, (_, k) => k);
      for (let k = 0; k < nPick; k++) {
        const j = rng.int(k, C);
        [pool[k], pool[j]] = [pool[j], pool[k]];
      }
      classes = pool.slice(0, nPick);
    } else {
      classes = Array.from({ length: nPick }, () => rng.int(0, C));
    }
    const out: number[] = [];
    for (const c of classes) {
      const members = this.byClass[c];
      for (let k = 0; k < mPerClass; k++) out.push(members[rng.int(0, members.length)]);
    }
    return out;
  }

  /** every batch of `epoch` */
  epoch(epoch: number): number[][] {
    return Array.from({ length: this.batchesPerEpoch() }, (_, i) => this.batch(i, epoch));
  }
}

/** Evaluation order: every index once, in order, the last batch possibly smaller. Never drops. */
export function sequentialBatches(n: number, batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`sequentialBatches: batchSize ${batchSize} must be a positive integer`);
  const out: number[][] = [];
  for (let s = 0; s < n; s += batchSize) out.push(Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k));
  return out;
}
