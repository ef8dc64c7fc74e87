/**
 * Learning-rate multipliers per iteration, as the official SEE trainer/utils.py builds them
 * (docs/official-recipe.md section 5): `--lr_decay None` -> constant 1 (every official script),
 * `cosine` -> utils.cosine_scheduler(1, min_lr_scale, epochs, iters) with no warm-up part,
 * `<int>` -> utils.step_scheduler: gamma ** (iter // (step * iters_per_epoch)).
 */

export type LrDecay = { kind: 'constant' } | { kind: 'cosine'; minLrScale: number } | { kind: 'step'; stepEpochs: number; gamma: number };

/** The multiplier of the base learning rate at global iteration `iter` (0-based). */
export function lrMultiplier(decay: LrDecay, iter: number, epochs: number, itersPerEpoch: number): number {
  if (!Number.isInteger(iter) || iter < 0) throw new Error(`lrMultiplier: iter=${iter}, expected an integer >= 0`);
  if (!(epochs > 0) || !(itersPerEpoch > 0)) {
    throw new Error(`lrMultiplier: epochs=${epochs}, itersPerEpoch=${itersPerEpoch}, expected both > 0`);
  }
  switch (decay.kind) {
    case 'constant':
      return 1;
    case 'cosine': {
      // numpy: final + 0.5 * (base - final) * (1 + cos(pi * i / len(iters))), len = epochs * iters
      const total = epochs * itersPerEpoch;
      const i = Math.min(iter, total - 1);
      return decay.minLrScale + 0.5 * (1 - decay.minLrScale) * (1 + Math.cos((Math.PI * i) / total));
    }
    case 'step':
      if (!(decay.stepEpochs > 0)) throw new Error(`lr step decay: stepEpochs=${decay.stepEpochs}, expected > 0`);
      return decay.gamma ** Math.floor(iter / (decay.stepEpochs * itersPerEpoch));
  }
}

/** Parses the official `--lr_decay` spelling: none | cosine | <int epochs>. */
export function parseLrDecay(value: string | number | null | undefined, minLrScale = 0.1, gamma = 0.5): LrDecay {
  if (value === null || value === undefined || value === 'none' || value === 'None' || value === 'constant') {
    return { kind: 'constant' };
  }
  if (value === 'cosine') return { kind: 'cosine', minLrScale };
  const n = typeof value === 'number' ? value : Number(value);
  if (Number.isInteger(n) && n > 0) return { kind: 'step', stepEpochs: n, gamma };
  throw new Error(`lr_decay="${value}": expected none, cosine or a positive integer number of epochs`);
}
