/**
 * Small seeded random numbers for the data pipeline (sampler, augmentations, glyph distortions).
 * mulberry32 (T. Ettinger, public domain) seeded through a 32-bit integer hash of several keys,
 * so a draw depends only on its keys (seed, epoch, batch, position), never on scheduling order.
 * Bit-exact parity with numpy's RNG is not a goal; the distributions are.
 */

/** Mixes integer keys into one 32-bit seed (murmur3-style finaliser per key). */
export function hashSeed(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    let x = (Math.imul(k | 0, 0xcc9e2d51) ^ Math.floor(k / 2 ** 32)) >>> 0;
    x = Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    h ^= x;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  /** integer uniform in [lo, hi) */
  int(lo: number, hi: number): number;
}

/** A mulberry32 generator seeded by `hashSeed(...keys)`. */
export function makeRng(...keys: number[]): Rng {
  let a = hashSeed(...keys);
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
  };
}
