import { mulberry32 } from '../../lib/random';

/** Seeded uniform numbers for tests (mulberry32), so every backend sees the same inputs. */
export function seededUniform(seed: number): (n: number, lo?: number, hi?: number) => Float32Array {
  const next = mulberry32(seed);
  return (n, lo = -1, hi = 1) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
    return out;
  };
}

/** Largest |a - b| / max(1, |b|) over two equal-length arrays (relative above 1, absolute below). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxRelDiff: lengths differ (${a.length} vs ${b.length})`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}
