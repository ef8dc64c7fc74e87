/** Plain-loop float64 versions of each loss, written from the papers' formulas, for the tests. */
import { dot, l2norm, type Mat } from '../method/loop_reference';

export { proxyAnchorLoop } from '../method/loop_reference';

function lse(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

export function normalizedSoftmaxLoop(x: Mat, y: number[], p: Mat, alpha = 32): number {
  const pn = p.map(l2norm);
  return (
    x.reduce((s, xi, i) => {
      const logits = pn.map((pc) => alpha * dot(l2norm(xi), pc));
      return s + lse(logits) - logits[y[i]];
    }, 0) / x.length
  );
}

export function proxyNcaLoop(x: Mat, y: number[], p: Mat, plusplus: boolean, scale: number, temperature: number): number {
  return (
    x.reduce((s, xi, i) => {
      const xs = l2norm(xi).map((v) => v * scale);
      const dists = p.map((pc) => {
        const ps = l2norm(pc).map((v) => v * scale);
        return xs.reduce((t, v, k) => t + (v - ps[k]) ** 2, 0);
      });
      if (plusplus) return s + dists[y[i]] / temperature + lse(dists.map((d) => -d / temperature));
      return s + dists[y[i]] + lse(dists.filter((_, c) => c !== y[i]).map((d) => -d));
    }, 0) / x.length
  );
}

export function multiSimilarityLoop(x: Mat, y: number[], alpha = 2, beta = 50, base = 0.5): number {
  const xn = x.map(l2norm);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    let ps = 0;
    let ns = 0;
    for (let j = 0; j < x.length; j++) {
      const s = dot(xn[i], xn[j]);
      if (j !== i && y[j] === y[i]) ps += Math.exp(-alpha * (s - base));
      if (y[j] !== y[i]) ns += Math.exp(beta * (s - base));
    }
    total += Math.log(1 + ps) / alpha + Math.log(1 + ns) / beta;
  }
  return total / x.length;
}

/** centres [D][C*K], column c*K + k */
export function softTripleLoop(
  x: Mat,
  y: number[],
  centres: Mat,
  numClasses: number,
  k: number,
  la = 20,
  gamma = 0.1,
  margin = 0.01,
): number {
  const d = centres.length;
  const cols = Array.from({ length: numClasses * k }, (_, j) => l2norm(Array.from({ length: d }, (_, t) => centres[t][j])));
  return (
    x.reduce((s, xi, i) => {
      const xn = l2norm(xi);
      const logits = Array.from({ length: numClasses }, (_, c) => {
        const sims = Array.from({ length: k }, (_, q) => dot(xn, cols[c * k + q]));
        const z = lse(sims.map((v) => v / gamma));
        const sc = sims.reduce((t, v) => t + Math.exp(v / gamma - z) * v, 0);
        return la * (sc - (c === y[i] ? margin : 0));
      });
      return s + lse(logits) - logits[y[i]];
    }, 0) / x.length
  );
}

export function supConLoop(x: Mat, y: number[], tau = 0.1): number {
  const xn = x.map(l2norm);
  let total = 0;
  let anchors = 0;
  for (let i = 0; i < x.length; i++) {
    const others = xn.map((_, a) => a).filter((a) => a !== i);
    const z = lse(others.map((a) => dot(xn[i], xn[a]) / tau));
    const pos = others.filter((a) => y[a] === y[i]);
    if (pos.length === 0) continue;
    total += -pos.reduce((t, p) => t + dot(xn[i], xn[p]) / tau - z, 0) / pos.length;
    anchors += 1;
  }
  return total / anchors;
}
