/**
 * Seeded random source for the expansion (the official code draws `torch.randn` per basis vector).
 * Uniforms: sfc32 (Chris Doty-Humphrey's small fast counter generator, 128-bit state).
 * Normals: Marsaglia & Tsang's ziggurat (J. Stat. Software 5(8), 2000), 128 layers, about one
 * integer draw per normal, so S*n*d draws for a whole batch cost a few milliseconds.
 */

import { expansionKernels } from './kernels';

const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const M1 = 2147483648.0;

/** 1/j! for j = 0..13: the Taylor polynomial of e^r on |r| <= ln2/2 (truncation below 1e-17) */
const EXP_TAYLOR = [1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06, 2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10];
const INV_LN2 = 1.4426950408889634;
const LN2_HI = 6.93147180369123816490e-01; // ln 2 split in two (fdlibm): k * LN2_HI is exact for small k
const LN2_LO = 1.90821492927058770002e-10;

/**
 * e^y for the ziggurat's wedge test (y = -x^2/2, x inside the ziggurat: y in (-6, 0]), within a
 * few ulp of Math.exp. WebAssembly cannot call Math.exp cheaply, so the kernel (fill_normal,
 * $exp_wedge in expansion_kernels.wat) does these same float64 operations, and the JavaScript and
 * WebAssembly streams agree bit for bit.
 */
export function expWedge(y: number): number {
  const k = Math.floor(y * INV_LN2 + 0.5);
  const r = (y - k * LN2_HI) - k * LN2_LO;
  let p = EXP_TAYLOR[13];
  for (let j = 12; j >= 0; j--) p = p * r + EXP_TAYLOR[j];
  return p * 2 ** k;
}

interface ZigguratTables {
  kn: Uint32Array;
  wn: Float64Array;
  fn: Float64Array;
}

function buildTables(): ZigguratTables {
  const kn = new Uint32Array(128);
  const wn = new Float64Array(128);
  const fn = new Float64Array(128);
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * M1);
  kn[1] = 0;
  wn[0] = q / M1;
  wn[127] = dn / M1;
  fn[0] = 1.0;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * M1);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / M1;
  }
  return { kn, wn, fn };
}

const TABLES = buildTables();
/** kn as int32 (every entry is below 2^31), for the fast path's integer comparison */
const KN_INT = Int32Array.from(TABLES.kn);

/** A reproducible stream of uniforms and standard normals; the same seed gives the same stream. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`SeededRandom: seed must be a finite number, got ${seed}`);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** the generator's whole state (4 int32), to checkpoint a run and resume it draw for draw */
  getState(): [number, number, number, number] {
    return [this.a | 0, this.b | 0, this.c | 0, this.d | 0];
  }

  /** restores a state from getState(); throws unless it is 4 integers */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v))) {
      throw new Error(`SeededRandom.setState: expected 4 integers, got [${state.join(', ')}]`);
    }
    [this.a, this.b, this.c, this.d] = state.map((v) => v | 0);
  }

  /** uniform 32-bit unsigned integer */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** uniform in (0, 1) */
  uniform(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** one standard-normal draw */
  normal(): number {
    const { kn, wn } = TABLES;
    const hz = this.nextUint32() | 0;
    const iz = hz & 127;
    if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
    return this.normalTail(hz, iz);
  }

  private normalTail(hz0: number, iz0: number): number {
    const { kn, wn, fn } = TABLES;
    let hz = hz0;
    let iz = iz0;
    for (;;) {
      const x = hz * wn[iz];
      if (iz === 0) {
        let xt: number;
        let yt: number;
        do {
          xt = -Math.log(this.uniform()) / ZIG_R;
          yt = -Math.log(this.uniform());
        } while (yt + yt < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (fn[iz] + this.uniform() * (fn[iz - 1] - fn[iz]) < expWedge(-0.5 * x * x)) return x;
      hz = this.nextUint32() | 0;
      iz = hz & 127;
      if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
    }
  }

  /**
   * Fills `out` with standard normals and returns it: the same stream as calling normal() for each
   * element, with the generator state in locals (int32 arithmetic, no per-draw field traffic).
   */
  fillNormal(out: Float32Array): Float32Array {
    if (out.length >= 256 && this.fillNormalWasm(out)) return out;
    const kn = KN_INT;
    const { wn } = TABLES;
    let a = this.a | 0;
    let b = this.b | 0;
    let c = this.c | 0;
    let d = this.d | 0;
    const len = out.length;
    for (let i = 0; i < len; i++) {
      // nextUint32() | 0
      const hz = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + hz) | 0;
      const iz = hz & 127;
      if (Math.abs(hz) < kn[iz]) {
        out[i] = hz * wn[iz];
        continue;
      }
      this.a = a; this.b = b; this.c = c; this.d = d;
      out[i] = this.normalTail(hz, iz);
      a = this.a | 0; b = this.b | 0; c = this.c | 0; d = this.d | 0;
    }
    this.a = a; this.b = b; this.c = c; this.d = d;
    return out;
  }

  /**
   * The same fill by the WebAssembly kernel (expansion_kernels.wat, fill_normal), when `out` lies in
   * the kernels' memory (the expansion's noise rows); false (nothing drawn) otherwise.
   */
  private fillNormalWasm(out: Float32Array): boolean {
    const k = expansionKernels();
    if (!k.fill_normal) return false;
    const buffer = k.reserve(0).buffer;
    if (out.buffer !== buffer) return false;
    const state = new Int32Array(buffer, 0, 4);
    // the tables (2.5 KB) are written each time: nothing else then depends on that memory staying put
    new Int32Array(buffer, 16, 128).set(KN_INT);
    new Float64Array(buffer, 528, 128).set(TABLES.wn);
    new Float64Array(buffer, 1552, 128).set(TABLES.fn);
    state[0] = this.a; state[1] = this.b; state[2] = this.c; state[3] = this.d;
    k.fill_normal(out.byteOffset, out.length);
    this.a = state[0]; this.b = state[1]; this.c = state[2]; this.d = state[3];
    return true;
  }
}
