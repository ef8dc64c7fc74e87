/**
 * Every seeded random generator of the kit, in one place. Each stream is pinned by
 * test/random.test.ts: checkpoints (proxy initialisation, the expansion's random state, the loop's
 * epoch seeds) and the README's figures (data order, augmentations, glyphs, k-means) depend on them.
 *
 * - `Sfc32`: one sfc32 generator (Chris Doty-Humphrey's small fast counter generator, 128-bit
 *   state), whose state is four integers: the training loop's epoch seeds, the demo's statistics.
 * - `SeededRandom`: uniforms and standard normals for the expansion (the official code draws
 *   `torch.randn` per basis vector) and proxy initialisation. Five sfc32 generators: four taken in
 *   turn (so four normals can be drawn at once with WebAssembly SIMD) and one for the ziggurat's slow
 *   path. Normals by Marsaglia & Tsang's ziggurat (J. Stat. Software 5(8), 2000), 128 layers, about
 *   one integer draw per normal, so S*n*d draws for a whole batch cost a few milliseconds.
 * - `keyedRandom(...keys)`: mulberry32 (Tommy Ettinger, public domain) seeded by a hash of several
 *   integer keys (`hashSeed`), so a draw of the data pipeline (sampler, augmentations, glyph
 *   distortions) depends only on its keys (seed, epoch, batch, position), never on scheduling order.
 *   Bit-exact parity with numpy's generator is not a goal; the distributions are.
 * - `mulberry32(seed)`: plain uniforms (k-means' initialisation); `gaussian(uniform)` and
 *   `seededNormal(n, seed)`: Box-Muller normals (test data; the backbones' seeded initialisation).
 */

import { expansionKernels } from './method/fast/kernels';
import * as ziggurat from './method/fast/ziggurat';

// module-level copies: an imported binding is read through a getter on every use (CommonJS output)
const { EXP2_32, expWedge, KN_INT, ZIGGURAT, ZIG_R } = ziggurat;

/**
 * One sfc32 step of the generator whose words a, b, c, d are at s[i], s[i + stride], s[i + 2 stride],
 * s[i + 3 stride]: a uniform 32-bit draw as int32.
 */
function sfc32Step(s: Int32Array, i: number, stride: number): number {
  const a = s[i];
  const b = s[i + stride];
  const c = s[i + 2 * stride];
  const d = s[i + 3 * stride];
  const t = (((a + b) | 0) + d) | 0;
  s[i + 3 * stride] = (d + 1) | 0;
  s[i] = b ^ (b >>> 9);
  s[i + stride] = (c + (c << 3)) | 0;
  s[i + 2 * stride] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t;
}

/** Seeds one sfc32 generator: a, b, c, d = constants (b mixed with `stream`) and the 32-bit seed, then 15 steps. */
function sfc32Seed(s: Int32Array, i: number, stride: number, stream: number, seed32: number): void {
  s[i] = 0x9e3779b9;
  s[i + stride] = 0x243f6a88 ^ Math.imul(stream, 0x85ebca6b);
  s[i + 2 * stride] = 0xb7e15162;
  s[i + 3 * stride] = seed32;
  for (let k = 0; k < 15; k++) sfc32Step(s, i, stride);
}

/**
 * One sfc32 generator whose whole state is four 32-bit words, so it can be checkpointed and
 * restored exactly. The training loop draws one 32-bit seed per epoch from it.
 */
export class Sfc32 {
  private readonly s = new Int32Array(4);

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`Sfc32: seed=${seed}, expected an integer`);
    sfc32Seed(this.s, 0, 1, 0, seed >>> 0);
  }

  /** uniform 32-bit unsigned integer */
  nextUint32(): number {
    return sfc32Step(this.s, 0, 1) >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** the four words as unsigned integers */
  getState(): number[] {
    return Array.from(this.s, (v) => v >>> 0);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((x) => !Number.isInteger(x) || x < 0 || x >= 2 ** 32)) {
      throw new Error(`Sfc32.setState: ${JSON.stringify(state)}, expected four unsigned 32-bit integers`);
    }
    this.s.set(state.map((v) => v | 0));
  }
}

/** independent sfc32 generators taken in turn, one per WebAssembly SIMD lane */
const LANES = 4;
/** index of the tail generator (the ziggurat slow path's further draws) after the lanes */
const TAIL = LANES;

/** the byte layout of the WebAssembly generator's state and tables (see expansion_kernels.wat) */
// i32 [4 x LANES]: a, b, c, d of each lane (structure of arrays), then the tail generator's a, b, c, d
const STATE_BYTES = 0;
const KN_BYTES = 80; // i32 [128]
const WN_BYTES = 592; // f64 [128]
const FN_BYTES = 1616; // f64 [128]
const EXP2_BYTES = 2640; // f64 [32]

/**
 * A reproducible stream of uniforms and standard normals; the same seed gives the same stream.
 * Five sfc32 generators: four "lanes" taken in turn, each public draw (a normal, a uniform, a
 * 32-bit integer) taking the first 32 bits from the next lane, and a tail generator for the further
 * draws of the ziggurat's slow path (about one normal in 36), in draw order. So the WebAssembly
 * kernel can draw four normals at once (fill_normal4) and give the same stream.
 */
export class SeededRandom {
  /** a, b, c, d of each lane (structure of arrays, as the kernel's memory), then a, b, c, d of the tail generator */
  private readonly s = new Int32Array(4 * LANES + 4);
  /** the lane of the next draw */
  private lane = 0;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`SeededRandom: seed must be a finite number, got ${seed}`);
    const seed32 = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    for (let k = 0; k <= TAIL; k++) sfc32Seed(this.s, k === TAIL ? 4 * LANES : k, k === TAIL ? 1 : LANES, k, seed32);
  }

  /**
   * the generator's whole state (21 int32: the lanes' a, b, c, d, the tail generator's, then the
   * next lane), to checkpoint a run and resume it draw for draw
   */
  getState(): number[] {
    return [...this.s, this.lane];
  }

  /** restores a state from getState(); throws unless it is 21 integers ending with a lane in [0, 4) */
  setState(state: readonly number[]): void {
    const n = this.s.length + 1;
    if (state.length !== n || !state.every((v) => Number.isInteger(v)) || !(state[n - 1] >= 0 && state[n - 1] < LANES)) {
      throw new Error(
        `SeededRandom.setState: expected ${n} integers (a, b, c, d of ${LANES} sfc32 lanes and of the tail generator, then the next lane in [0, ${LANES})), got [${state.join(', ')}]`,
      );
    }
    this.s.set(state.slice(0, n - 1).map((v) => v | 0));
    this.lane = state[n - 1];
  }

  /**
   * sfc32 step of generator k: a uniform 32-bit draw as int32. Word w (a, b, c, d) of lane k is at
   * w * LANES + k (structure of arrays), of the tail generator at 4 * LANES + w.
   */
  private nextOn(k: number): number {
    return k === TAIL ? sfc32Step(this.s, 4 * LANES, 1) : sfc32Step(this.s, k, LANES);
  }

  /** the lane of the next public draw, advancing the turn */
  private takeLane(): number {
    const k = this.lane;
    this.lane = (k + 1) % LANES;
    return k;
  }

  /** uniform 32-bit unsigned integer */
  nextUint32(): number {
    return this.nextOn(this.takeLane()) >>> 0;
  }

  /** uniform in (0, 1): (u32 + 0.5) / 2^32 */
  uniform(): number {
    return this.uniformOn(this.takeLane());
  }

  private uniformOn(k: number): number {
    return ((this.nextOn(k) >>> 0) + 0.5) * 2.3283064365386963e-10; // / 2^32 (exact)
  }

  /** one standard-normal draw */
  normal(): number {
    const hz = this.nextOn(this.takeLane());
    const iz = hz & 127;
    if (Math.abs(hz) < KN_INT[iz]) return hz * ZIGGURAT.wn[iz];
    return this.normalTail(hz, iz);
  }

  /** the ziggurat's slow path (wedges and the base strip's tail), further draws from the tail generator */
  private normalTail(hz0: number, iz0: number): number {
    const { wn, fn } = ZIGGURAT;
    let hz = hz0;
    let iz = iz0;
    for (;;) {
      const x = hz * wn[iz];
      if (iz === 0) {
        let xt: number;
        let yt: number;
        do {
          xt = -Math.log(this.uniformOn(TAIL)) / ZIG_R;
          yt = -Math.log(this.uniformOn(TAIL));
        } while (yt + yt < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (fn[iz] + this.uniformOn(TAIL) * (fn[iz - 1] - fn[iz]) < expWedge(-0.5 * x * x)) return x;
      hz = this.nextOn(TAIL);
      iz = hz & 127;
      if (Math.abs(hz) < KN_INT[iz]) return hz * wn[iz];
    }
  }

  /**
   * Fills `out` with standard normals and returns it: the same stream as calling normal() for each
   * element. Where `out` lies in the expansion kernels' memory, whole turns of four draws are made
   * by the WebAssembly kernel.
   */
  fillNormal(out: Float32Array): Float32Array {
    let i = 0;
    const len = out.length;
    while (i < len && this.lane !== 0) out[i++] = this.normal();
    const turns = Math.floor((len - i) / LANES);
    if (turns >= 16 && this.fillTurnsWasm(out, i, turns)) i += turns * LANES;
    while (i < len) out[i++] = this.normal();
    return out;
  }

  /**
   * `turns` x 4 draws into out[from ..) by the WebAssembly kernel (expansion_kernels.wat,
   * fill_normal4), starting at lane 0, when `out` lies in the kernels' memory; false (nothing drawn) otherwise.
   */
  private fillTurnsWasm(out: Float32Array, from: number, turns: number): boolean {
    const k = expansionKernels();
    if (!k.fill_normal4) return false;
    const buffer = k.reserve(0).buffer;
    if (out.buffer !== buffer) return false;
    // the tables (2.8 KB) are written each time: nothing else then depends on that memory staying put
    new Int32Array(buffer, KN_BYTES, 128).set(KN_INT);
    new Float64Array(buffer, WN_BYTES, 128).set(ZIGGURAT.wn);
    new Float64Array(buffer, FN_BYTES, 128).set(ZIGGURAT.fn);
    new Float64Array(buffer, EXP2_BYTES, 32).set(EXP2_32);
    const state = new Int32Array(buffer, STATE_BYTES, this.s.length);
    state.set(this.s);
    k.fill_normal4(out.byteOffset + from * 4, turns);
    this.s.set(state);
    return true;
  }
}

/** Mixes integer keys into one 32-bit seed (a murmur3-style finaliser per key). */
export function hashSeed(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    let x = (Math.imul(k | 0, 0xcc9e2d51) ^ Math.floor(k / 2 ** 32)) >>> 0;
    x = Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    h ^= x;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: uniforms in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The data pipeline's generator: a draw depends only on the keys it was made from. */
export interface KeyedRandom {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  /** integer uniform in [lo, hi) */
  int(lo: number, hi: number): number;
}

/** mulberry32 seeded by `hashSeed(...keys)`. */
export function keyedRandom(...keys: number[]): KeyedRandom {
  const next = mulberry32(hashSeed(...keys));
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
  };
}

/** Standard normals by Box-Muller (cosine branch) from a uniform generator: test data. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** n normals of standard deviation `std` (mulberry32 + Box-Muller, both branches): seeded weight initialisation. */
export function seededNormal(n: number, seed: number, std = 1): Float32Array {
  const uniform = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform() + 1e-12));
    const th = 2 * Math.PI * uniform();
    out[i] = std * r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = std * r * Math.sin(th);
  }
  return out;
}
