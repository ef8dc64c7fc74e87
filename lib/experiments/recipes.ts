/**
 * Hyperparameters per (architecture, dataset), every value with the reason it was chosen.
 * De^128 is the official recipe (scripts/Deit/*.sh of the SEE repository, docs/official-recipe.md 2a).
 * No script exists for the other rows (docs/official-recipe.md 2b); their values are choices, said so.
 */
import type { DatasetId } from './datasets';
import { DATASETS } from './datasets';

/** A value and why it is what it is. */
export interface Chosen<T> {
  value: T;
  reason: string;
}

export interface Recipe {
  lr: Chosen<number>;
  globalBatch: Chosen<number>;
  /** devices of the official run: backbone and head gradients x 1/worldSize before clipping (lib/train/param_groups.ts) */
  worldSize: Chosen<number>;
  mPerClass: Chosen<number>;
  fcLrScale: Chosen<number>;
  epochs: Chosen<number>;
  warmupEpochs: Chosen<number>;
  weightDecay: Chosen<number>;
  /** 'none' | 'cosine' | step epochs */
  lrDecay: Chosen<'none' | 'cosine' | number>;
  lrDecayGamma: Chosen<number>;
  evalFreq: Chosen<number>;
  evalFrom: Chosen<number>;
  seed: Chosen<number>;
  /** SEE settings (SEE rows only) */
  see: Chosen<{ n: number; lambda: number; maxThresh: number; minThresh: number; plan: 0 | 1 }>;
}

const OFFICIAL = 'official: SEE scripts/Deit/<dataset>.sh (docs/official-recipe.md 2a)';
const OFFICIAL_DEFAULT = 'official: train.py default, not set by the De^128 scripts (docs/official-recipe.md 2a)';
const OFFICIAL_CODE = 'official: evaluation rule in train.py (docs/official-recipe.md 9)';

/** The De^128 recipe, exactly as the official scripts give it. */
export function officialDeit128(dataset: DatasetId): Recipe {
  const big = dataset === 'sop' || dataset === 'inshop';
  return {
    lr: { value: 1e-5, reason: OFFICIAL },
    globalBatch: { value: 180, reason: `${OFFICIAL}: 90 per GPU x 2 GPUs` },
    worldSize: { value: 2, reason: `${OFFICIAL}: torch.distributed.launch --nproc_per_node=2; each GPU computes the loss on the gathered 180 and DDP averages the model's gradients, so backbone and head get half of the full-batch gradient, the proxies all of it (docs/official-recipe.md 7)` },
    mPerClass: { value: 2, reason: `${OFFICIAL}: --IPC 2` },
    fcLrScale: { value: big ? 1e2 : 1, reason: big ? OFFICIAL : OFFICIAL_DEFAULT },
    epochs: { value: { cub: 100, cars: 100, sop: 150, inshop: 300 }[dataset], reason: OFFICIAL },
    warmupEpochs: { value: big ? 5 : 1, reason: `${OFFICIAL} (backbone frozen, not a ramp)` },
    weightDecay: { value: big ? 1e-4 : 1e-2, reason: OFFICIAL },
    lrDecay: { value: 'none', reason: `${OFFICIAL_DEFAULT}: constant learning rate` },
    lrDecayGamma: { value: 1, reason: 'unused with a constant schedule' },
    evalFreq: { value: dataset === 'sop' ? 5 : 1, reason: OFFICIAL },
    evalFrom: { value: DATASETS[dataset].evalFrom, reason: OFFICIAL_CODE },
    seed: { value: 0, reason: OFFICIAL_DEFAULT },
    see: { value: { n: 8, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 }, reason: `${OFFICIAL}: --n-expan 8 --lambd 0.2 --max-thresh 0.4 --min-thresh 0.0 --type 1` },
  };
}

const REUSED = 'no official script for this row (docs/official-recipe.md 2b): De^128 value reused so that rows differ only in the backbone';

/** DeiT/DINO/ViT rows other than De^128: the De^128 values, marked as a choice. */
export function vitChoice(dataset: DatasetId): Recipe {
  const r = officialDeit128(dataset);
  const out = {} as Record<keyof Recipe, Chosen<unknown>>;
  for (const [k, v] of Object.entries(r) as [keyof Recipe, Chosen<unknown>][]) {
    out[k] = k === 'evalFrom' ? v : { value: v.value, reason: `${REUSED} (${v.reason})` };
  }
  return out as unknown as Recipe;
}

const PA_README = 'Proxy-Anchor README ResNet-50 commands (tjddus9597/Proxy-Anchor-CVPR2020, docs/official-recipe.md 12); SEE train.py has the matching knobs, but SEE\'s own R^512 values are unknown';

/** R^512: Proxy-Anchor-style step schedule, as docs/official-recipe.md 12 suggests; every value a choice. */
export function resnetChoice(dataset: DatasetId): Recipe {
  const r = vitChoice(dataset);
  return {
    ...r,
    lr: { value: 1e-4, reason: `${PA_README}: --lr 1e-4` },
    warmupEpochs: { value: 5, reason: `${PA_README}: --warm 5` },
    weightDecay: { value: 1e-4, reason: 'Proxy-Anchor train.py default --weight-decay 1e-4 (choice; SEE value unknown)' },
    lrDecay: {
      value: dataset === 'cub' ? 5 : 10,
      reason: dataset === 'cub' || dataset === 'cars'
        ? `${PA_README}: --lr-decay-step ${dataset === 'cub' ? 5 : 10}`
        : 'choice: the Proxy-Anchor README gives no ResNet-50 command for SOP/In-Shop; 10 as for Cars',
    },
    lrDecayGamma: { value: 0.5, reason: 'Proxy-Anchor train.py default --lr-decay-gamma 0.5 (choice; SEE value unknown)' },
  };
}
