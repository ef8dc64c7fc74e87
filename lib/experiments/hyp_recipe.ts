/**
 * The Hyp rows' recipe (Ermolov et al., CVPR 2022): hyp_metric's own, not the SEE rows' (htdt/hyp_metric
 * at c89de04, the commands in its README and the defaults of train.py; docs/official-recipe.md 11).
 * The README gives commands for ViT-S/16 (vit_small_patch16_224), DeiT-S distilled and DINO ViT-S/16
 * with the default 128-d embedding; the 384-d rows take --emb 384 (an inference: the table's "384"),
 * and R^512 (ResNet-50, no hyp_metric command) is a choice, each said in its reason.
 */
import type { HeadSpec } from '../backbones/heads';
import type { OptionValues } from '../options';
import type { DatasetId } from './datasets';
import { FLOAT32_REASON, type Chosen, type Recipe } from './recipes';

const README = 'hyp_metric README configs';
const TRAIN_PY = 'hyp_metric train.py';

/** What a Hyp row trains with besides its recipe: the head, the loss's options, notes. */
export interface HypRow {
  recipe: Recipe;
  head: Chosen<HeadSpec>;
  lossOptions: Chosen<OptionValues>;
  notes: string[];
}

/** Which README command a backbone follows; undefined for ResNet-50 (none). */
function readmeModel(backbone: string): 'vit_small_patch16_224' | 'deit_small_distilled_patch16_224' | 'dino_vits16' | undefined {
  if (backbone.startsWith('deit_small_distilled')) return 'deit_small_distilled_patch16_224';
  if (backbone.endsWith('.dino')) return 'dino_vits16';
  if (backbone.startsWith('vit_small_patch16_224')) return 'vit_small_patch16_224';
  return undefined;
}

const PER_DATASET: Record<DatasetId, { epochs: number; batch: number; m: number; resize: number; flags: string }> = {
  cub: { epochs: 50, batch: 900, m: 9, resize: 256, flags: '--ds CUB --num_samples 9 --ep 50 --eval_ep "[50]" --resize 256' },
  cars: { epochs: 300, batch: 882, m: 9, resize: 224, flags: '--ds Cars --num_samples 9 --bs 882 --ep 300 --eval_ep "[300]"' },
  sop: { epochs: 200, batch: 900, m: 2, resize: 224, flags: '--ds SOP --ep 200 --eval_ep "[200]"' },
  inshop: { epochs: 400, batch: 900, m: 2, resize: 224, flags: '--ds Inshop --ep 400 --eval_ep "[400]"' },
};

/** The Hyp row of a backbone (registry name), its embedding size and a dataset. */
export function hypRow(backbone: string, embeddingDim: number, dataset: DatasetId): HypRow {
  const model = readmeModel(backbone);
  const ds = PER_DATASET[dataset];
  const command = model ? `${README}: python -m train --model ${model} ${ds.flags}` : `${README} ${ds.flags} (no ResNet-50 command)`;
  const lr = model === 'dino_vits16' ? 1e-5 : 3e-5;
  const notes = ["recipe: hyp_metric's own (README commands, train.py defaults), not the SEE row's; every value with its source"];
  if (model) {
    notes.push(
      `train transform: RandomResizedCrop(224, scale (0.2, 1)) and horizontal flips, as ${TRAIN_PY} builds it; the kit's ViT-family transform is the same (lib/data/transforms.ts trainSpec)`,
    );
  }
  if (embeddingDim !== 128)
    notes.push(`--emb ${embeddingDim}: an inference from the table's label (the README commands keep the default --emb 128)`);
  if (!model) {
    notes.push(
      'ResNet-50 has no hyp_metric command: the ViT-S/DeiT-S recipe with the backbone swapped (choices, see each reason); ' +
        "the kit's ResNet keeps its BatchNorm statistics fixed and crops with scale (0.08, 1), as for the SEE R^512 row, where hyp_metric's train.py would update them and crop with (0.2, 1)",
    );
  }
  const recipe: Recipe = {
    lr: {
      value: lr,
      reason: model
        ? `${command} --lr ${lr === 1e-5 ? '1e-5' : '3e-5'}`
        : 'choice: no hyp_metric command for ResNet-50; 3e-5 as its README gives for the supervised ImageNet backbones (ViT-S, DeiT-S)',
    },
    lrBatch: {
      value: ds.batch,
      reason: `${TRAIN_PY}: the lr is used as given, not scaled with the batch (so it is quoted for the batch of ${ds.batch})`,
    },
    globalBatch: { value: ds.batch, reason: `${command}${dataset === 'cars' ? '' : ` (train.py default --bs ${ds.batch})`}` },
    worldSize: {
      value: 1,
      reason: `${README} are single-process commands (python -m train): one GPU; with two, each process would get half of the classes per epoch (${dataset === 'cub' ? '50 x 9 = 450 images, not one batch of 900' : 'sampler.py splits the classes by rank'})`,
    },
    mPerClass: { value: ds.m, reason: ds.m === 9 ? `${command}: --num_samples 9` : `${TRAIN_PY} default --num_samples 2` },
    sampler: {
      value: 'class_pass',
      reason:
        'hyp_metric sampler.py UniqueClassSempler: each epoch one pass over the classes in a random order, num_samples images each (lib/data/class_pass_sampler.ts)',
    },
    fcLrScale: { value: 1, reason: `${TRAIN_PY}: one AdamW group, optim.AdamW(model.parameters(), lr)` },
    epochs: { value: ds.epochs, reason: `${command}: --ep ${ds.epochs}` },
    warmupEpochs: {
      value: 0,
      reason: `${TRAIN_PY}: no backbone freeze (the patch embedding is frozen throughout, --freeze 0, as the kit's ViTs always do)`,
    },
    weightDecay: { value: 0.01, reason: `${TRAIN_PY}: torch.optim.AdamW's default weight decay 0.01 (only lr is passed)` },
    adamwEps: {
      value: 1e-8,
      reason: `${TRAIN_PY}: torch.optim.AdamW's default eps 1e-8 (apex O2 keeps float32 master weights and the optimizer as built)`,
    },
    clip: {
      value: { kind: 'norm', maxNorm: 3 },
      reason: `${TRAIN_PY}: torch.nn.utils.clip_grad_norm_(amp.master_params(optimizer), 3) every step`,
    },
    lrDecay: { value: 'none', reason: `${TRAIN_PY}: constant learning rate (no scheduler)` },
    lrDecayGamma: { value: 1, reason: 'unused with a constant schedule' },
    evalFreq: { value: 1, reason: `${command}: --eval_ep "[${ds.epochs}]", with evalFrom the last epoch only` },
    evalFrom: {
      value: ds.epochs - 1,
      reason: `${command}: --eval_ep "[${ds.epochs}]" evaluates after the last epoch only (epoch ${ds.epochs - 1} counted from 0)`,
    },
    evalResize: {
      value: ds.resize,
      reason: ds.resize === 256 ? `${command}: --resize 256, then --crop 224` : `${TRAIN_PY} defaults --resize 224 --crop 224`,
    },
    bodyRecall: {
      value: true,
      reason: "hyp_metric helpers.evaluate reports the head's recall and the backbone's L2-normalised features' (\"recall_b\")",
    },
    seed: { value: 0, reason: 'hyp_metric sampler.py default seed 0 (train.py sets no other seed)' },
    precision: {
      value: 'float32',
      reason: `hyp_metric trains in fp16 with apex amp O2 (float16 model, float32 master weights, dynamic loss scaling); ${FLOAT32_REASON}`,
    },
  };
  return {
    recipe,
    head: {
      value: { name: 'hyperbolic', options: { c: 0.1, clipR: 2.3 } },
      reason: `${TRAIN_PY} defaults --hyp_c 0.1 --clip_r 2.3 (the README commands keep them): Linear (orthogonal, zero bias), clipping, expmap0 onto the Poincare ball`,
    },
    lossOptions: { value: { tau: 0.2 }, reason: `${TRAIN_PY} default --t 0.2 (the README commands keep it)` },
    notes,
  };
}
