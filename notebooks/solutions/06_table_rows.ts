// Solutions to the exercises of notebooks/06_table_rows.ipynb. Each section, from its `// @exercise` line to the
// next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 06.1
function groupLrsByHand(recipe: { lr: number; globalBatch: number; fcLrScale: number; proxyLrScale: number; warmupEpochs: number },
    epoch: number, multiplier: number): { backbone: number; head: number; proxies: number } {
  const lr = ((recipe.lr * recipe.globalBatch) / 180) * multiplier; // the official lr is quoted for a batch of 180
  return { backbone: epoch < recipe.warmupEpochs ? 0 : lr, head: lr * recipe.fcLrScale, proxies: lr * recipe.proxyLrScale };
}

// @exercise 06.2
function lrMultiplierByHand(decay: LrDecay, iter: number, epochs: number, itersPerEpoch: number): number {
  if (decay.kind === 'constant') return 1;
  if (decay.kind === 'step') return decay.gamma ** Math.floor(iter / (decay.stepEpochs * itersPerEpoch));
  const total = epochs * itersPerEpoch;
  const i = Math.min(iter, total - 1); // past the end the multiplier stays at its last value
  return decay.minLrScale + (1 - decay.minLrScale) * (1 + Math.cos((Math.PI * i) / total)) / 2;
}
