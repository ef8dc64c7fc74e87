/**
 * The official parameter groups and their learning rates (SEE trainer/utils.get_params_groups and
 * train.py, docs/official-recipe.md section 5):
 *   lr            = args.lr * global_batch / 180
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

export interface LrRecipe {
  /** --lr, quoted for a global batch of 180 */
  lr: number;
  /** global batch size (per-GPU batch x GPUs) */
  globalBatch: number;
  /** --fc_lr_scale */
  fcLrScale: number;
  /** 1e4 officially */
  proxyLrScale: number;
  /** --warmup_epochs: the backbone is frozen (lr 0) for these epochs */
  warmupEpochs: number;
}

/** lr scaled by global batch / 180. */
export function scaledBaseLr(recipe: LrRecipe): number {
  if (!(recipe.lr >= 0) || !(recipe.globalBatch > 0)) {
    throw new Error(`lr=${recipe.lr}, globalBatch=${recipe.globalBatch}: expected lr >= 0 and globalBatch > 0`);
  }
  return (recipe.lr * recipe.globalBatch) / REFERENCE_BATCH;
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
