/**
 * The official parameter groups and their learning rates (SEE trainer/utils.get_params_groups and
 * train.py, docs/official-recipe.md section 5):
 *   lr            = args.lr * global_batch / 180   (180: `lrBatch`, the batch the lr is quoted for)
 *   backbone      ("pretrained_params") lr * 1            , and 0 while epoch < warmup_epochs
 *   head          ("last_layer")        lr * fc_lr_scale
 *   proxies       (the loss's params)   lr * 1e4
 * every group times the schedule multiplier, and every group with the same weight decay.
 */
import type { EmbeddingModel, MetricLoss } from '../types';
import type { OptimizerGroup } from './adamw';

export type GroupName = 'backbone' | 'head' | 'proxies';
export const GROUP_NAMES: readonly GroupName[] = ['backbone', 'head', 'proxies'];

/** Official proxy learning-rate scale (hard-coded in utils.get_params_groups). */
export const PROXY_LR_SCALE = 1e4;
/** Global batch the official lr is quoted for. */
export const REFERENCE_BATCH = 180;

/**
 * How much of the full-batch gradient each group gets in a run on `worldSize` devices that each
 * compute the loss on the whole gathered batch (official SEE train.py, docs/official-recipe.md 7):
 * DistributedDataParallel averages the model's gradients over the devices, and each device's
 * loss reaches only its own shard of the embeddings, so the backbone and head get 1/worldSize of
 * the full-batch gradient; the proxies live in the loss module outside DDP and get all of it.
 * Applied before clipping, as in the official step (scaler, unscale, clamp, AdamW).
 */
export function groupGradientScales(worldSize: number): Record<GroupName, number> {
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new Error(`groupGradientScales: worldSize=${worldSize}, expected an integer >= 1`);
  return { backbone: 1 / worldSize, head: 1 / worldSize, proxies: 1 };
}

export interface LrRecipe {
  /** --lr, quoted for a global batch of `lrBatch` */
  lr: number;
  /** the global batch `lr` is quoted for (official SEE: 180, REFERENCE_BATCH; hyp_metric: its own batch, so no scaling) */
  lrBatch?: number;
  /** global batch size (per-GPU batch x GPUs) */
  globalBatch: number;
  /** --fc_lr_scale */
  fcLrScale: number;
  /** 1e4 officially */
  proxyLrScale: number;
  /** --warmup_epochs: the backbone is frozen (lr 0) for these epochs */
  warmupEpochs: number;
}

/** lr scaled by global batch / lrBatch (official: / 180). */
export function scaledBaseLr(recipe: LrRecipe): number {
  const lrBatch = recipe.lrBatch ?? REFERENCE_BATCH;
  if (!(recipe.lr >= 0) || !(recipe.globalBatch > 0) || !(lrBatch > 0)) {
    throw new Error(
      `lr=${recipe.lr}, globalBatch=${recipe.globalBatch}, lrBatch=${lrBatch}: expected lr >= 0, globalBatch > 0 and lrBatch > 0`,
    );
  }
  return (recipe.lr * recipe.globalBatch) / lrBatch;
}

/** Per-group learning rates for one iteration of `epoch` with schedule multiplier `multiplier`. */
export function groupLearningRates(recipe: LrRecipe, epoch: number, multiplier: number): Record<GroupName, number> {
  const lr = scaledBaseLr(recipe) * multiplier;
  return {
    backbone: epoch < recipe.warmupEpochs ? 0 : lr,
    head: lr * recipe.fcLrScale,
    proxies: lr * recipe.proxyLrScale,
  };
}

/** The three optimizer groups from a model and a loss, all with the same weight decay (official). */
export function buildParamGroups(model: EmbeddingModel, loss: MetricLoss, weightDecay: number): OptimizerGroup[] {
  const { backbone, head } = model.variableGroups();
  const groups: OptimizerGroup[] = [
    { name: 'backbone', variables: backbone.filter((v) => v.trainable), weightDecay },
    { name: 'head', variables: head.filter((v) => v.trainable), weightDecay },
    { name: 'proxies', variables: loss.trainableVariables.slice(), weightDecay },
  ];
  if (groups.every((g) => g.variables.length === 0)) {
    throw new Error(`buildParamGroups: the model and loss "${loss.name}" have no trainable variables`);
  }
  return groups;
}
