// Solutions to the exercises of notebooks/07_ablations.ipynb. Each section, from its `// @exercise` line to the
// next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 07.1
function syntheticPairCosine(c: number, n: number): number {
  // p = c w + sqrt(1 - c^2) u with unit residual directions u meeting at -1/n:
  // p . q = c^2 + (1 - c^2)(u_p . u_q) = c^2 - (1 - c^2) / n
  return c * c - (1 - c * c) / n;
}

// @exercise 07.2
function randomCoefficientsByHand(n: number, random: SeededRandom): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from({ length: n + 1 }, () => Math.fround(random.normal()))); // row by row
  rows.push(Array.from({ length: n + 1 }, (_, j) => -rows.reduce((s, row) => s + row[j], 0))); // the rows sum to zero
  return rows;
}
