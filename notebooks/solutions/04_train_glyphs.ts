// Solutions to the exercises of notebooks/04_train_glyphs.ipynb. Each section, from its `// @exercise` line to
// the next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 04.1
function recallAtK(embeddings: number[][], labels: number[], k: number): number {
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, t) => s + v * b[t], 0);
  let hits = 0;
  embeddings.forEach((q, i) => {
    const others = embeddings.map((e, j) => ({ j, sim: dot(q, e) })).filter((o) => o.j !== i); // the query itself is not a neighbour
    others.sort((a, b) => b.sim - a.sim);
    if (others.slice(0, k).some((o) => labels[o.j] === labels[i])) hits++;
  });
  return hits / embeddings.length;
}

// @exercise 04.2
function mapAtR(embeddings: number[][], labels: number[]): number {
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, t) => s + v * b[t], 0);
  const aps: number[] = [];
  embeddings.forEach((q, i) => {
    const r = labels.filter((y, j) => j !== i && y === labels[i]).length;
    if (r === 0) return; // no other item of its class: left out
    const ranked = embeddings.map((e, j) => ({ j, sim: dot(q, e) })).filter((o) => o.j !== i).sort((a, b) => b.sim - a.sim);
    let relevant = 0;
    let ap = 0;
    ranked.slice(0, r).forEach((o, rank) => {
      if (labels[o.j] !== labels[i]) return;
      relevant++;
      ap += relevant / (rank + 1); // P(i) at a relevant position
    });
    aps.push(ap / r);
  });
  return aps.reduce((a, b) => a + b, 0) / aps.length;
}
