/** The format of one see.json case (see test/fixtures/reference/README.md). */
export interface SeeCase {
  B: number;
  d: number;
  C: number;
  n: number;
  plan: 0 | 1;
  thresh: number;
  lam: number;
  mrg: number;
  alpha: number;
  x: number[][];
  y: number[];
  proxies: number[][];
  noise: number[][][];
  out: {
    selected: boolean[];
    scores: number[];
    bweights: number[][];
    expansions: number[][];
    expansion_labels: number[];
    batch_loss: number;
    aug_loss: number;
    total: number;
    grad_x: number[][];
    grad_proxies: number[][];
  };
}

/** First index where `actual` and `expected` differ beyond closeTo, or -1. */
export function firstMismatch(actual: ArrayLike<number>, expected: number[], close: (a: number, b: number) => boolean): number {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < expected.length; i++) if (!close(actual[i], expected[i])) return i;
  return -1;
}

/**
 * Gradient entries: closeTo, or within 1e-4 of the gradient's largest entry. Float32 gradients
 * of a loss with exp(32 cos) terms carry absolute errors of about eps32 * max|g| (the official
 * values themselves differ from a float64 evaluation by ~3e-7 on entries near 6e-4), so the
 * helper's 1e-7 floor for entries below 1e-3 cannot hold for every small entry.
 */
export function gradCloseTo(expected: number[], close: (a: number, b: number) => boolean): (a: number, b: number) => boolean {
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return (a, b) => close(a, b) || Math.abs(a - b) <= 1e-4 * scale;
}
