/**
 * Normalised mutual information of two labelings, as scikit-learn's
 * `normalized_mutual_info_score` with its default average_method='arithmetic':
 * NMI = MI / ((H(A) + H(B)) / 2), natural logarithms; 1 when both are a single cluster,
 * 0 when MI is 0. Labels may be any integers.
 */
function dense(labels: ArrayLike<number>): { idx: Int32Array; count: number } {
  const map = new Map<number, number>();
  const idx = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let v = map.get(labels[i]);
    if (v === undefined) {
      v = map.size;
      map.set(labels[i], v);
    }
    idx[i] = v;
  }
  return { idx, count: map.size };
}

function entropy(sizes: Float64Array, n: number): number {
  let h = 0;
  for (const s of sizes) if (s > 0) h -= (s / n) * Math.log(s / n);
  return h;
}

export function nmi(labelsA: ArrayLike<number>, labelsB: ArrayLike<number>): number {
  if (labelsA.length !== labelsB.length) {
    throw new Error(`nmi: labelings have different lengths (${labelsA.length} and ${labelsB.length})`);
  }
  const n = labelsA.length;
  if (n === 0) throw new Error('nmi: labelings are empty');
  const a = dense(labelsA);
  const b = dense(labelsB);
  if (a.count === 1 && b.count === 1) return 1;
  const sa = new Float64Array(a.count);
  const sb = new Float64Array(b.count);
  const joint = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    sa[a.idx[i]]++;
    sb[b.idx[i]]++;
    const key = a.idx[i] * b.count + b.idx[i];
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  let mi = 0;
  for (const [key, nij] of joint) {
    const i = Math.floor(key / b.count);
    const j = key - i * b.count;
    mi += (nij / n) * (Math.log(nij) + Math.log(n) - Math.log(sa[i]) - Math.log(sb[j]));
  }
  mi = Math.max(mi, 0);
  if (mi === 0) return 0;
  return mi / ((entropy(sa, n) + entropy(sb, n)) / 2);
}
