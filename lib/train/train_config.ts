/**
 * The resolved training configuration and its validation. Defaults are the official SEE
 * De^128 values (docs/official-recipe.md section 2a) where a field has one.
 */
import { OFFICIAL_ADAMW, type AdamWOptions } from './adamw';
import { OFFICIAL_CLIP, type GradClip } from './grad_clip';
import type { LrDecay } from './lr_schedule';
import { PROXY_LR_SCALE, REFERENCE_BATCH } from './param_groups';

export interface TrainConfig {
  epochs: number;
  /** --lr, quoted for a global batch of `lrBatch` */
  lr: number;
  /** images per optimizer step (all devices together) */
  globalBatch: number;
  /** the global batch `lr` is quoted for: lr x globalBatch / lrBatch is used (default 180, the official SEE rule) */
  lrBatch?: number;
  /**
   * devices of the official run the recipe copies: the backbone and head gradients are scaled by
   * 1/worldSize before clipping, the proxies' are not (lib/train/param_groups.ts groupGradientScales);
   * default 1 (the plain full-batch gradient)
   */
  worldSize?: number;
  fcLrScale: number;
  proxyLrScale: number;
  /** backbone frozen (lr 0) for epochs < warmupEpochs */
  warmupEpochs: number;
  weightDecay: number;
  adamw: AdamWOptions;
  lrDecay: LrDecay;
  clip: GradClip;
  /** evaluate when epoch % evalFreq == 0 and epoch >= max(warmupEpochs, evalFrom); the last epoch always */
  evalFreq: number;
  evalFrom: number;
  /** write a checkpoint every this many epochs (and after the last) */
  checkpointEvery: number;
  seed: number;
  /**
   * a step whose loss or gradient is NaN or infinite: 'stop' the run (default) naming the step,
   * the loss terms and the last good checkpoint, or 'skip' its update (as fp16 loss scalers do),
   * logged as an event and counted in metrics.json
   */
  nonFinite?: 'stop' | 'skip';
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 100,
  lr: 1e-5,
  globalBatch: 180,
  lrBatch: REFERENCE_BATCH,
  worldSize: 1,
  fcLrScale: 1,
  proxyLrScale: PROXY_LR_SCALE,
  warmupEpochs: 1,
  weightDecay: 1e-2,
  adamw: OFFICIAL_ADAMW,
  lrDecay: { kind: 'constant' },
  clip: OFFICIAL_CLIP,
  evalFreq: 1,
  evalFrom: 0,
  checkpointEvery: 1,
  seed: 0,
  nonFinite: 'stop',
};

/** Throws a clear error naming the first bad field. */
export function validateTrainConfig(c: TrainConfig, source = 'train config'): TrainConfig {
  const positiveInt: (keyof TrainConfig)[] = ['epochs', 'globalBatch', 'evalFreq', 'checkpointEvery'];
  for (const k of positiveInt) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new Error(`${source}: ${k}=${JSON.stringify(v)}, expected an integer >= 1`);
  }
  const nonNegative: (keyof TrainConfig)[] = ['lr', 'fcLrScale', 'proxyLrScale', 'warmupEpochs', 'weightDecay', 'evalFrom'];
  for (const k of nonNegative) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`${source}: ${k}=${JSON.stringify(v)}, expected a finite number >= 0`);
  }
  if (c.worldSize !== undefined && (!Number.isInteger(c.worldSize) || c.worldSize < 1))
    throw new Error(`${source}: worldSize=${JSON.stringify(c.worldSize)}, expected an integer >= 1`);
  if (c.lrBatch !== undefined && (typeof c.lrBatch !== 'number' || !Number.isFinite(c.lrBatch) || c.lrBatch <= 0))
    throw new Error(`${source}: lrBatch=${JSON.stringify(c.lrBatch)}, expected a number > 0`);
  if (!Number.isInteger(c.seed)) throw new Error(`${source}: seed=${JSON.stringify(c.seed)}, expected an integer`);
  if (!['constant', 'cosine', 'step'].includes(c.lrDecay?.kind))
    throw new Error(`${source}: lrDecay=${JSON.stringify(c.lrDecay)}, expected kind constant|cosine|step`);
  if (!['none', 'value', 'norm'].includes(c.clip?.kind))
    throw new Error(`${source}: clip=${JSON.stringify(c.clip)}, expected kind none|value|norm`);
  if (c.nonFinite !== undefined && c.nonFinite !== 'stop' && c.nonFinite !== 'skip') {
    throw new Error(`${source}: nonFinite=${JSON.stringify(c.nonFinite)}, expected "stop" or "skip"`);
  }
  return c;
}
