/**
 * Marsaglia & Tsang's 128-layer ziggurat for standard normals (J. Stat. Software 5(8), 2000): its
 * tables, and the exp of its wedge test. Used by SeededRandom (lib/random.ts) and, through the tables
 * copied into its memory, by the WebAssembly kernel fill_normal4 (kernels/expansion_kernels.wat).
 */

/** the base strip's edge */
export const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const M1 = 2147483648.0;

/** 2^(j/32), j = 0..31: the table of expWedge (copied into the kernels' memory with the ziggurat's) */
export const EXP2_32 = Float64Array.from({ length: 32 }, (_, j) => 2 ** (j / 32));
const INV_LN2_32 = 46.16624130844683; // 32 / ln 2
const LN2_32_HI = 0.02166084938653512; // ln 2 / 32 split in two (fdlibm's split / 32): k * LN2_32_HI is exact for |k| < 2^20
const LN2_32_LO = 5.9631716539705866e-12;

/**
 * e^y for the ziggurat's wedge test (y = -x^2/2, x inside the ziggurat: y in (-6, 0]), within a
 * few ulp of Math.exp: y = k ln2/32 + r with |r| <= ln2/64, e^y = 2^(k >> 5) 2^((k & 31)/32) e^r,
 * e^r by its Taylor polynomial of degree 6 (truncation below 1e-17). WebAssembly cannot call
 * Math.exp cheaply, so the kernel (fill_normal4, $exp_wedge in expansion_kernels.wat) does these
 * same float64 operations with the same table, and the JavaScript and WebAssembly streams agree
 * bit for bit.
 */
export function expWedge(y: number): number {
  const k = Math.floor(y * INV_LN2_32 + 0.5);
  const r = y - k * LN2_32_HI - k * LN2_32_LO;
  const p =
    1 +
    r * (1 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333 + r * 0.001388888888888889)))));
  return p * EXP2_32[k & 31] * 2 ** (k >> 5);
}

export interface ZigguratTables {
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

export const ZIGGURAT = buildTables();
/** kn as int32 (every entry is below 2^31), for the fast path's integer comparison */
export const KN_INT = Int32Array.from(ZIGGURAT.kn);
