// Solutions to the exercises of notebooks/05_norm_angle_statistics.ipynb. Each section, from its `// @exercise`
// line to the next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 05.1
function normsAndOwnAngles(x: number[][], labels: number[], proxies: number[][]): { norms: number[]; angleOwn: number[] } {
  const norm = (a: number[]): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const cosine = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k], 0) / (norm(a) * norm(b));
  const toDegrees = (c: number): number => (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
  return { norms: x.map(norm), angleOwn: x.map((xi, i) => toDegrees(cosine(xi, proxies[labels[i]]))) };
}

// @exercise 05.2
function nearestOtherAngles(x: number[][], labels: number[], proxies: number[][]): number[] {
  const norm = (a: number[]): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const cosine = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k], 0) / (norm(a) * norm(b));
  const toDegrees = (c: number): number => (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
  // the nearest other proxy has the largest cosine among the proxies of other classes
  return x.map((xi, i) => toDegrees(Math.max(...proxies.filter((_, c) => c !== labels[i]).map((p) => cosine(xi, p)))));
}
