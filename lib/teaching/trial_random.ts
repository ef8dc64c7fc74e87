/**
 * Random inputs for the exercise checks (lib/teaching/check.ts): plain numbers and arrays a
 * student's function can loop over, drawn from the kit's SeededRandom so a printed seed replays a
 * failing trial exactly.
 */
import { SeededRandom } from '../random';

export class TrialRandom {
  private readonly random: SeededRandom;

  constructor(readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** uniform in (lo, hi) */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.random.uniform();
  }

  /** an integer in [lo, hi], both ends included */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo)
      throw new Error(`TrialRandom.int: expected integers lo <= hi, got ${lo}, ${hi}`);
    return lo + Math.min(hi - lo, Math.floor(this.random.uniform() * (hi - lo + 1)));
  }

  /** one standard-normal draw */
  normal(): number {
    return this.random.normal();
  }

  /** one of `items`, uniformly */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('TrialRandom.pick: nothing to pick from');
    return items[this.int(0, items.length - 1)];
  }

  /** [d] standard normals */
  vector(d: number): number[] {
    return Array.from({ length: d }, () => this.normal());
  }

  /** [d] a direction drawn uniformly on the unit sphere */
  unitVector(d: number): number[] {
    const v = this.vector(d);
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return v.map((x) => x / norm);
  }

  /** [rows, cols] standard normals */
  matrix(rows: number, cols: number): number[][] {
    return Array.from({ length: rows }, () => this.vector(cols));
  }

  /** [n] class indices in [0, classes) */
  labels(n: number, classes: number): number[] {
    return Array.from({ length: n }, () => this.int(0, classes - 1));
  }

  /** [n] bytes in [0, 255] (pixel values) */
  bytes(n: number): number[] {
    return Array.from({ length: n }, () => this.int(0, 255));
  }

  /** a fresh 32-bit seed, for an exercise that makes its own SeededRandom */
  seedValue(): number {
    return this.random.nextUint32();
  }
}

/** A seed for a new check: different on every run, so a check cannot be passed by hard-coding. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
