/**
 * The counting pass over one block of the similarity matrix: for each query, how many
 * other-label references are strictly more similar than each of its thresholds (thresholds.ts).
 *
 * The block values come from a float32 GEMM whose error is at most `eps` (exact_dot.ts). A value
 * more than `eps` above or below a threshold is decided from the block; one within `eps` is
 * recomputed with exactDot, so every comparison equals the exact-float64 comparison and a tie
 * (equal exact similarity) never counts: "strictly more similar". Same-label references (and
 * the query itself) are never counted: the positives enter only as thresholds.
 * Plain TypeScript without tfjs, so worker threads can run it.
 */
export interface KernelTables {
  q: Float32Array;
  qLabels: Int32Array;
  g: Float32Array;
  gLabels: Int32Array;
  dim: number;
  offsets: Int32Array;
  sims: Float64Array;
  caps: Int32Array;
  eps: number;
  /** official SEE In-Shop quirk: reference i is hidden from query i */
  maskSameIndex: boolean;
}

export class CountState {
  /** per threshold: other-label references strictly more similar (exact below its cap) */
  readonly counts: Int32Array;
  /** per query: thresholds still below their cap (a prefix of its list) */
  private readonly active: Int32Array;
  /** per query: values at or below this cannot change any count (lowest active threshold - eps) */
  private readonly low: Float64Array;

  constructor(private readonly t: KernelTables) {
    const nq = t.qLabels.length;
    this.counts = new Int32Array(t.sims.length);
    this.active = new Int32Array(nq);
    this.low = new Float64Array(nq);
    for (let i = 0; i < nq; i++) this.settle(i, t.offsets[i + 1] - t.offsets[i]);
  }

  /** Drops thresholds whose count reached its cap and refreshes the query's floor. */
  private settle(qi: number, act: number): void {
    const { offsets, caps, sims, eps } = this.t;
    const o = offsets[qi];
    while (act > 0 && this.counts[o + act - 1] >= caps[o + act - 1]) act--;
    this.active[qi] = act;
    this.low[qi] = act > 0 ? sims[o + act - 1] - eps : Infinity;
  }

  /** Reference gj has block value v > low[qi] for query qi. */
  private visit(qi: number, gj: number, v: number): void {
    const t = this.t;
    if (t.gLabels[gj] === t.qLabels[qi]) return;
    if (t.maskSameIndex && gj === qi) return;
    const o = t.offsets[qi];
    const act = this.active[qi];
    let first = act;
    for (let m = 0; m < act; m++) {
      const thr = t.sims[o + m];
      if (v > thr + t.eps) {
        first = m;
        break;
      }
      if (v >= thr - t.eps) {
        // too close to call from the float32 block: decide with the exact similarity
        const q = t.q,
          g = t.g,
          dim = t.dim;
        let s = 0;
        for (let k = 0, qo = qi * dim, go = gj * dim; k < dim; k++) s += q[qo + k] * g[go + k];
        first = act;
        for (let m2 = m; m2 < act; m2++) {
          if (s > t.sims[o + m2]) {
            first = m2;
            break;
          }
        }
        break;
      }
    }
    if (first === act) return;
    for (let m = first; m < act; m++) this.counts[o + m]++;
    this.settle(qi, act);
  }

  /** block [bi, bj] row-major: rows are queries q0.., columns references g0.. */
  rows(block: Float32Array, q0: number, bi: number, g0: number, bj: number): void {
    const low = this.low;
    for (let r = 0; r < bi; r++) {
      const qi = q0 + r;
      let floor = low[qi];
      if (floor === Infinity) continue;
      const base = r * bj;
      for (let c = 0; c < bj; c++) {
        const v = block[base + c];
        if (v > floor) {
          this.visit(qi, g0 + c, v);
          floor = low[qi];
        }
      }
    }
  }

  /** same block read the other way (one labelled set, off-diagonal blocks): columns are queries */
  columns(block: Float32Array, g0: number, bi: number, q0: number, bj: number): void {
    const low = this.low;
    for (let r = 0; r < bi; r++) {
      const base = r * bj;
      for (let c = 0; c < bj; c++) {
        const v = block[base + c];
        if (v > low[q0 + c]) this.visit(q0 + c, g0 + r, v);
      }
    }
  }
}
