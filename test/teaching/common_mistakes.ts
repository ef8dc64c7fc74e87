/**
 * The common mistakes notebooks/TEACHING.md lists, each written as a student would: [notebook, exercise,
 * the mistake, a stub that makes it]. test/teaching/common_mistakes.test.ts checks that each fails.
 */
export const COMMON_MISTAKES: [string, string, string, string][] = [
  [
    '01_data',
    '01.2',
    'reversing the whole array (flips vertically too and swaps R and B)',
    'function normaliseFlippedByHand(rgb: number[], width: number, mean: number[], std: number[]): number[] {\n  return normaliseByHand([...rgb].reverse(), mean, std);\n}',
  ],
  [
    '01_data',
    '01.3',
    "Math.round instead of Python's round for the crop offset",
    'function evalCropByHand(width: number, height: number, resizeTo: number, size: number) {\n  const long = Math.floor((resizeTo * Math.max(width, height)) / Math.min(width, height));\n  const [w, h] = width <= height ? [resizeTo, long] : [long, resizeTo];\n  return { width: w, height: h, crop: { top: Math.round((h - size) / 2), left: Math.round((w - size) / 2), width: size, height: size } };\n}',
  ],
  [
    '02_see_geometry',
    '02.2',
    'leaving the random directions unorthogonalised to w (points leave the latitude)',
    'function expandByHand(z: number[], w: number[], noise: number[][], B: number[][]): number[][] {\n  const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);\n  const unit = (a: number[]) => a.map((v) => v / Math.sqrt(dot(a, a)));\n  const m = w.map((v) => v * dot(z, w));\n  const r = z.map((v, k) => v - m[k]);\n  const rn = Math.sqrt(dot(r, r));\n  const basis = [unit(r)];\n  for (const row of noise) {\n    const g = unit(row);\n    let v = g;\n    for (const b of basis) v = v.map((x, k) => x - dot(g, b) * b[k]);\n    basis.push(unit(v));\n  }\n  return B.slice(1).map((c) => m.map((mk, k) => mk + rn * c.reduce((s, cj, j) => s + cj * basis[j][k], 0)));\n}',
  ],
  [
    '02_see_geometry',
    '02.3',
    'Math.round for the count (numpy rounds halves to even)',
    'function selectPlanOne(scores: number[], fraction: number): boolean[] {\n  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i] || i - j);\n  const chosen = new Set(order.slice(0, Math.round(scores.length * fraction)));\n  return scores.map((_, i) => chosen.has(i));\n}',
  ],
  [
    '02_see_geometry',
    '02.3',
    'selecting every sample at or above the k-th cosine (ties all selected)',
    'function selectPlanOne(scores: number[], fraction: number): boolean[] {\n  const x = scores.length * fraction, f = Math.floor(x);\n  const k = x - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(x);\n  if (k === 0) return scores.map(() => false);\n  const kth = [...scores].sort((a, b) => b - a)[k - 1];\n  return scores.map((s) => s >= kth);\n}',
  ],
  [
    '03_losses',
    '03.1',
    'averaging over all C proxies instead of those with a positive',
    'function positiveTerm(cos: number[][], labels: number[], margin: number, alpha: number): number {\n  let sum = 0;\n  for (let c = 0; c < cos[0].length; c++) sum += Math.log1p(labels.reduce((s, y, i) => s + (y === c ? Math.exp(-alpha * (cos[i][c] - margin)) : 0), 0));\n  return sum / cos[0].length;\n}',
  ],
  [
    '03_losses',
    '03.3',
    'forgetting the 1 + S_c denominator of the log',
    'function positiveTermGradient(cos: number[][], labels: number[], margin: number, alpha: number): number[][] {\n  const k = new Set(labels).size;\n  return cos.map((row, i) => row.map((v, c) => (labels[i] === c ? (-alpha * Math.exp(-alpha * (v - margin))) / k : 0)));\n}',
  ],
  [
    '04_train_glyphs',
    '04.1',
    'not excluding the query itself (every query finds itself)',
    'function recallAtK(embeddings: number[][], labels: number[], k: number): number {\n  const dot = (a: number[], b: number[]) => a.reduce((s, v, t) => s + v * b[t], 0);\n  let hits = 0;\n  embeddings.forEach((q, i) => {\n    const ranked = embeddings.map((e, j) => ({ j, s: dot(q, e) })).sort((a, b) => b.s - a.s);\n    if (ranked.slice(0, k).some((o) => labels[o.j] === labels[i])) hits++;\n  });\n  return hits / embeddings.length;\n}',
  ],
  [
    '04_train_glyphs',
    '04.2',
    'dividing by the relevant items found instead of R',
    'function mapAtR(embeddings: number[][], labels: number[]): number {\n  const dot = (a: number[], b: number[]) => a.reduce((s, v, t) => s + v * b[t], 0);\n  const aps: number[] = [];\n  embeddings.forEach((q, i) => {\n    const r = labels.filter((y, j) => j !== i && y === labels[i]).length;\n    if (r === 0) return;\n    const ranked = embeddings.map((e, j) => ({ j, s: dot(q, e) })).filter((o) => o.j !== i).sort((a, b) => b.s - a.s).slice(0, r);\n    let rel = 0, ap = 0;\n    ranked.forEach((o, n) => { if (labels[o.j] === labels[i]) { rel++; ap += rel / (n + 1); } });\n    aps.push(rel ? ap / rel : 0);\n  });\n  return aps.reduce((a, b) => a + b, 0) / aps.length;\n}',
  ],
  [
    '05_norm_angle_statistics',
    '05.2',
    'taking the largest cosine over all proxies, the own one included',
    'function nearestOtherAngles(x: number[][], labels: number[], proxies: number[][]): number[] {\n  const norm = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));\n  const cos = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0) / (norm(a) * norm(b));\n  return x.map((xi) => (Math.acos(Math.max(...proxies.map((p) => cos(xi, p)))) * 180) / Math.PI);\n}',
  ],
  [
    '06_table_rows',
    '06.1',
    'forgetting that the lr is quoted for a global batch of 180',
    'function groupLrsByHand(recipe: { lr: number; globalBatch: number; fcLrScale: number; proxyLrScale: number; warmupEpochs: number }, epoch: number, multiplier: number) {\n  const lr = recipe.lr * multiplier;\n  return { backbone: epoch < recipe.warmupEpochs ? 0 : lr, head: lr * recipe.fcLrScale, proxies: lr * recipe.proxyLrScale };\n}',
  ],
  [
    '06_table_rows',
    '06.2',
    'stepping by epochs and iterations mixed up (floor(iter / stepEpochs))',
    "function lrMultiplierByHand(decay: LrDecay, iter: number, epochs: number, itersPerEpoch: number): number {\n  if (decay.kind === 'constant') return 1;\n  if (decay.kind === 'step') return decay.gamma ** Math.floor(iter / decay.stepEpochs);\n  const total = epochs * itersPerEpoch;\n  return decay.minLrScale + (1 - decay.minLrScale) * (1 + Math.cos((Math.PI * Math.min(iter, total - 1)) / total)) / 2;\n}",
  ],
  [
    '07_ablations',
    '07.1',
    "the residual directions' cosine -1/n, forgetting the latitude part c^2",
    'function syntheticPairCosine(c: number, n: number): number {\n  return -1 / n;\n}',
  ],
  [
    '07_ablations',
    '07.2',
    'a last row equal to the sum of the others, not minus it',
    'function randomCoefficientsByHand(n: number, random: SeededRandom): number[][] {\n  const rows: number[][] = [];\n  for (let i = 0; i < n; i++) rows.push(Array.from({ length: n + 1 }, () => Math.fround(random.normal())));\n  rows.push(Array.from({ length: n + 1 }, (_, j) => rows.reduce((s, row) => s + row[j], 0)));\n  return rows;\n}',
  ],
  [
    '08_frozen_features',
    '08.2',
    'the unbiased variance (divided by F - 1) in the LayerNorm',
    'function headByHand(features: number[][], kernel: number[][], bias: number[]): number[][] {\n  return features.map((f) => {\n    const mean = f.reduce((s, v) => s + v, 0) / f.length;\n    const variance = f.reduce((s, v) => s + (v - mean) ** 2, 0) / (f.length - 1);\n    const x = f.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));\n    const y = bias.map((b, e) => x.reduce((s, v, k) => s + v * kernel[k][e], b));\n    const norm = Math.sqrt(y.reduce((s, v) => s + v * v, 0));\n    return y.map((v) => v / norm);\n  });\n}',
  ],
];
