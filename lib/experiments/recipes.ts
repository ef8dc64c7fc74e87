/**
 * Hyperparameters per (architecture, dataset), every value with the reason it was chosen.
 * De^128 is the official recipe (scripts/Deit/*.sh of the SEE repository, docs/official-recipe.md 2a).
 * No script exists for the other rows (docs/official-recipe.md 2b); their values are choices, said so.
 */
import type { GradClip } from '../train/grad_clip';
import type { SamplerName } from '../train/dataset_source';
import type { DatasetId } from './datasets';
import { DATASETS } from './datasets';

/** A value and why it is what it is. */
export interface Chosen<T> {
  value: T;
  reason: string;
}

export interface Recipe {
  lr: Chosen<number>;
  /** the global batch `lr` is quoted for (lr x globalBatch / lrBatch is used) */
  lrBatch: Chosen<number>;
  globalBatch: Chosen<number>;
  /** devices of the official run: backbone and head gradients x 1/worldSize before clipping (lib/train/param_groups.ts) */
  worldSize: Chosen<number>;
  mPerClass: Chosen<number>;
  /** how batches are drawn (RunSpec.sampler) */
  sampler: Chosen<SamplerName>;
  fcLrScale: Chosen<number>;
  epochs: Chosen<number>;
  warmupEpochs: Chosen<number>;
  weightDecay: Chosen<number>;
  adamwEps: Chosen<number>;
  clip: Chosen<GradClip>;
  /** 'none' | 'cosine' | step epochs */
  lrDecay: Chosen<'none' | 'cosine' | number>;
  lrDecayGamma: Chosen<number>;
  evalFreq: Chosen<number>;
  evalFrom: Chosen<number>;
  /** shorter side before the centre crop at evaluation; null: the official SEE 256/224 rule (RunSpec eval.resize) */
  evalResize: Chosen<number | null>;
  /** also report the backbone features' recall (RunSpec eval.bodyRecall) */
  bodyRecall: Chosen<boolean>;
  seed: Chosen<number>;
  /** the arithmetic the kit trains in (float32), and the reason says what the official runs used */
  precision: Chosen<'float32'>;
  /** SEE settings (the SEE rows' recipes; absent from other methods' own recipes) */
  see?: Chosen<{ n: number; lambda: number; maxThresh: number; minThresh: number; plan: 0 | 1 }>;
}

/** The recipe of a SEE row (and of the plain Proxy-Anchor and baseline rows on the same backbone): it has the SEE settings. */
export type SeeRecipe = Recipe & Required<Pick<Recipe, 'see'>>;

/** Why the kit trains in float32 where the official runs used half precision. */
export const FLOAT32_REASON =
  'the kit trains in float32: the tfjs backends it runs on (wasm, cpu, tensorflow, webgpu) offer no float16 training path with a loss scaler; ' +
  'a float16 WebGPU path, when tfjs has one, would go here (lib/train)';

const OFFICIAL = 'official: SEE scripts/Deit/<dataset>.sh (docs/official-recipe.md 2a)';
const OFFICIAL_DEFAULT = 'official: train.py default, not set by the De^128 scripts (docs/official-recipe.md 2a)';
const OFFICIAL_CODE = 'official: evaluation rule in train.py (docs/official-recipe.md 9)';

/** The De^128 recipe, exactly as the official scripts give it. */
export function officialDeit128(dataset: DatasetId): SeeRecipe {
  const big = dataset === 'sop' || dataset === 'inshop';
  return {
    lr: { value: 1e-5, reason: OFFICIAL },
    lrBatch: { value: 180, reason: 'official: lr = args.lr x batch_size x world_size / 180 (train.py, docs/official-recipe.md 5)' },
    globalBatch: { value: 180, reason: `${OFFICIAL}: 90 per GPU x 2 GPUs` },
    worldSize: {
      value: 2,
      reason: `${OFFICIAL}: torch.distributed.launch --nproc_per_node=2; each GPU computes the loss on the gathered 180 and DDP averages the model's gradients, so backbone and head get half of the full-batch gradient, the proxies all of it (docs/official-recipe.md 7)`,
    },
    mPerClass: { value: 2, reason: `${OFFICIAL}: --IPC 2` },
    sampler: {
      value: 'unique_class',
      reason: 'official: sampler.UniqueClassSampler, classes drawn afresh for each batch (docs/official-recipe.md 3d)',
    },
    fcLrScale: { value: big ? 1e2 : 1, reason: big ? OFFICIAL : OFFICIAL_DEFAULT },
    epochs: { value: { cub: 100, cars: 100, sop: 150, inshop: 300 }[dataset], reason: OFFICIAL },
    warmupEpochs: { value: big ? 5 : 1, reason: `${OFFICIAL} (backbone frozen, not a ramp)` },
    weightDecay: { value: big ? 1e-4 : 1e-2, reason: OFFICIAL },
    adamwEps: {
      value: 1e-4,
      reason: 'official: AdamW eps 1e-4 because every script sets --use_fp16 (train.py, docs/official-recipe.md 5)',
    },
    clip: {
      value: { kind: 'value', value: 10 },
      reason:
        'official: --clip_grad switches on the element-wise clamp to +-10 fixed in utils.clip_gradients_value (docs/official-recipe.md 6)',
    },
    lrDecay: { value: 'none', reason: `${OFFICIAL_DEFAULT}: constant learning rate` },
    lrDecayGamma: { value: 1, reason: 'unused with a constant schedule' },
    evalFreq: { value: dataset === 'sop' ? 5 : 1, reason: OFFICIAL },
    evalFrom: { value: DATASETS[dataset].evalFrom, reason: OFFICIAL_CODE },
    evalResize: { value: null, reason: 'official: Resize(256) then CenterCrop(224) (helpers.get_emb, docs/official-recipe.md 3c)' },
    bodyRecall: { value: false, reason: "official: evaluate() scores the head's output only (docs/official-recipe.md 9)" },
    seed: { value: 0, reason: OFFICIAL_DEFAULT },
    precision: {
      value: 'float32',
      reason: `official runs: fp16 autocast with a GradScaler (--use_fp16 in every script, docs/official-recipe.md 2a); ${FLOAT32_REASON}`,
    },
    see: {
      value: { n: 8, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 },
      reason: `${OFFICIAL}: --n-expan 8 --lambd 0.2 --max-thresh 0.4 --min-thresh 0.0 --type 1`,
    },
  };
}

const REUSED = 'no official script for this row (docs/official-recipe.md 2b): De^128 value reused so that rows differ only in the backbone';

/** DeiT/DINO/ViT rows other than De^128: the De^128 values, marked as a choice. */
export function vitChoice(dataset: DatasetId): SeeRecipe {
  const r = officialDeit128(dataset);
  const out = {} as Record<keyof SeeRecipe, Chosen<unknown>>;
  for (const [k, v] of Object.entries(r) as [keyof SeeRecipe, Chosen<unknown>][]) {
    out[k] = k === 'evalFrom' || k === 'precision' ? v : { value: v.value, reason: `${REUSED} (${v.reason})` };
  }
  return out as unknown as SeeRecipe;
}

const PA_README =
  "Proxy-Anchor README ResNet-50 commands (tjddus9597/Proxy-Anchor-CVPR2020, docs/official-recipe.md 12); SEE train.py has the matching knobs, but SEE's own R^512 values are unknown";

/** R^512: Proxy-Anchor-style step schedule, as docs/official-recipe.md 12 suggests; every value a choice. */
export function resnetChoice(dataset: DatasetId): SeeRecipe {
  const r = vitChoice(dataset);
  return {
    ...r,
    lr: { value: 1e-4, reason: `${PA_README}: --lr 1e-4` },
    warmupEpochs: { value: 5, reason: `${PA_README}: --warm 5` },
    weightDecay: { value: 1e-4, reason: 'Proxy-Anchor train.py default --weight-decay 1e-4 (choice; SEE value unknown)' },
    lrDecay: {
      value: dataset === 'cub' ? 5 : 10,
      reason:
        dataset === 'cub' || dataset === 'cars'
          ? `${PA_README}: --lr-decay-step ${dataset === 'cub' ? 5 : 10}`
          : 'choice: the Proxy-Anchor README gives no ResNet-50 command for SOP/In-Shop; 10 as for Cars',
    },
    lrDecayGamma: { value: 0.5, reason: 'Proxy-Anchor train.py default --lr-decay-gamma 0.5 (choice; SEE value unknown)' },
  };
}
