// Solutions to the exercises of notebooks/02_see_geometry.ipynb. Each section, from its `// @exercise` line to
// the next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 02.1
function simplexByHand(n: number): number[][] {
  const rows = Array.from({ length: n + 1 }, () => new Array<number>(n + 1).fill(0));
  rows[0][0] = 1;
  for (let i = 1; i <= n; i++) {
    for (let j = 0; j < i; j++) {
      // choose rows[i][j] so that rows[i] . rows[j] = -1/n (rows[j] is zero after column j)
      let dot = 0;
      for (let t = 0; t < j; t++) dot += rows[i][t] * rows[j][t];
      rows[i][j] = (-1 / n - dot) / rows[j][j];
    }
    const sq = rows[i].reduce((s, v) => s + v * v, 0);
    rows[i][i] = i === n ? 0 : Math.sqrt(1 - sq); // the last row already has norm 1
  }
  return rows;
}

// @exercise 02.2
function expandByHand(z: number[], w: number[], noise: number[][], B: number[][]): number[][] {
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k], 0);
  const scale = (a: number[], s: number): number[] => a.map((v) => v * s);
  const unit = (a: number[]): number[] => scale(a, 1 / Math.sqrt(dot(a, a)));
  const m = scale(w, dot(z, w)); // M: the part along the proxy (the latitude, kept)
  const r = z.map((v, k) => v - m[k]); // the residual
  const rNorm = Math.sqrt(dot(r, r));
  const basis = [w, scale(r, 1 / rNorm)]; // w, u1
  for (const row of noise) {
    const g = unit(row);
    let v = g;
    for (const b of basis) v = v.map((x, k) => x - dot(g, b) * b[k]); // classical Gram-Schmidt
    basis.push(unit(v));
  }
  const dirs = basis.slice(1); // u1, g1, ..., gn
  return B.slice(1).map((coef) => m.map((mk, k) => mk + rNorm * coef.reduce((s, c, j) => s + c * dirs[j][k], 0)));
}

// @exercise 02.3
function selectPlanOne(scores: number[], fraction: number): boolean[] {
  const x = scores.length * fraction;
  const f = Math.floor(x);
  const count = x - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(x); // numpy: halves to even
  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i] || i - j); // highest first, earlier wins ties
  const selected = scores.map(() => false);
  for (const i of order.slice(0, Math.max(0, Math.min(scores.length, count)))) selected[i] = true;
  return selected;
}
