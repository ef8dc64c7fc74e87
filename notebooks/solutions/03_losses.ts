// Solutions to the exercises of notebooks/03_losses.ipynb. Each section, from its `// @exercise` line to the
// next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 03.1
function positiveTerm(cos: number[][], labels: number[], margin: number, alpha: number): number {
  const classes = [...new Set(labels)]; // C+: the proxies with a positive in the batch
  const perProxy = classes.map((c) =>
    Math.log1p(labels.reduce((s, y, i) => s + (y === c ? Math.exp(-alpha * (cos[i][c] - margin)) : 0), 0)));
  return perProxy.reduce((a, b) => a + b, 0) / classes.length;
}

// @exercise 03.2
function negativeTerm(cos: number[][], labels: number[], margin: number, alpha: number): number {
  const numProxies = cos[0].length;
  let sum = 0;
  for (let c = 0; c < numProxies; c++) {
    sum += Math.log1p(labels.reduce((s, y, i) => s + (y !== c ? Math.exp(alpha * (cos[i][c] + margin)) : 0), 0));
  }
  return sum / numProxies;
}

// @exercise 03.3
function positiveTermGradient(cos: number[][], labels: number[], margin: number, alpha: number): number[][] {
  const classes = [...new Set(labels)];
  // S_c = sum over the positives of proxy c of exp(-alpha (cos_ic - margin))
  const s = new Map(classes.map((c) => [c, labels.reduce((acc, y, i) => acc + (y === c ? Math.exp(-alpha * (cos[i][c] - margin)) : 0), 0)]));
  // d/dcos_ic of log(1 + S_c) / |C+| = -alpha exp(-alpha (cos_ic - margin)) / (1 + S_c) / |C+|
  return cos.map((row, i) => row.map((v, c) =>
    labels[i] === c ? (-alpha * Math.exp(-alpha * (v - margin))) / (1 + (s.get(c) ?? 0)) / classes.length : 0));
}
