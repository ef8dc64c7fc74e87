// Solutions to the exercises of notebooks/01_data.ipynb. Each section, from its `// @exercise` line to the
// next, replaces that exercise's stub cell (CI runs the notebook with them: scripts/notebooks/ci_exercises.sh).

// @exercise 01.1
function normaliseByHand(rgb: number[], mean: number[], std: number[]): number[] {
  // byte i belongs to channel i % 3 (R, G, B, R, G, B, ...)
  return rgb.map((v, i) => (v / 255 - mean[i % 3]) / std[i % 3]);
}

// @exercise 01.2
function normaliseFlippedByHand(rgb: number[], width: number, mean: number[], std: number[]): number[] {
  const flipped: number[] = [];
  for (let row = 0; row < rgb.length; row += 3 * width) {
    for (let x = width - 1; x >= 0; x--) flipped.push(...rgb.slice(row + 3 * x, row + 3 * x + 3)); // whole pixels, channels in order
  }
  return normaliseByHand(flipped, mean, std);
}

// @exercise 01.3
function evalCropByHand(width: number, height: number, resizeTo: number, size: number):
    { width: number; height: number; crop: { top: number; left: number; width: number; height: number } } {
  const pyRound = (v: number): number => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v)); // halves to even
  const long = Math.floor((resizeTo * Math.max(width, height)) / Math.min(width, height));
  const [w, h] = width <= height ? [resizeTo, long] : [long, resizeTo];
  return { width: w, height: h, crop: { top: pyRound((h - size) / 2), left: pyRound((w - size) / 2), width: size, height: size } };
}
