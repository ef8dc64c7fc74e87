// Solutions to the exercises of notebooks/08_frozen_features.ipynb. Each section, from its `// @exercise`
// line to the next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 08.1
function l2NormalizeRows(features: number[][]): number[][] {
  return features.map((f) => {
    const norm = Math.max(Math.sqrt(f.reduce((s, v) => s + v * v, 0)), 1e-12); // F.normalize's floor
    return f.map((v) => v / norm);
  });
}

// @exercise 08.2
function headByHand(features: number[][], kernel: number[][], bias: number[]): number[][] {
  return features.map((f) => {
    // LayerNorm without affine parameters: biased variance (divided by F), eps inside the square root
    const mean = f.reduce((s, v) => s + v, 0) / f.length;
    const variance = f.reduce((s, v) => s + (v - mean) ** 2, 0) / f.length;
    const x = f.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
    // Linear: y_e = bias_e + sum_k x_k kernel[k][e]
    const y = bias.map((b, e) => x.reduce((s, v, k) => s + v * kernel[k][e], b));
    const norm = Math.max(Math.sqrt(y.reduce((s, v) => s + v * v, 0)), 1e-12);
    return y.map((v) => v / norm);
  });
}
