/**
 * One explicit key map per checkpoint format: which checkpoint key fills which model tensor,
 * with which layout transform (listed by name in the spec), and which checkpoint keys are known
 * and deliberately not used (classifier heads, BatchNorm batch counters). Everything else in a
 * checkpoint is "unexpected" and fails the strict load (weights.ts).
 */
import type { ParamSpec } from './params';
import { resnetSpecs, type ResNetConfig } from './resnet';
import { vitSpecs, type ViTConfig } from './vit';

export interface KeyMapEntry {
  checkpointKey: string;
  spec: ParamSpec;
}

export interface KeyMap {
  /** the checkpoint format, for error messages */
  format: string;
  entries: KeyMapEntry[];
  /** checkpoint keys that may be present and are not used, each with the reason */
  ignored: Map<string, string>;
}

function identity(specs: ParamSpec[]): KeyMapEntry[] {
  return specs.map((spec) => ({ checkpointKey: spec.key, spec }));
}

/** torchvision / timm `resnet50.tv_in1k` state dict: same names, fc dropped (SEE's rm_head). */
export function torchvisionResnetKeyMap(cfg: ResNetConfig): KeyMap {
  const specs = resnetSpecs(cfg);
  const ignored = new Map<string, string>([
    ['fc.weight', 'ImageNet classifier, replaced by the embedding head'],
    ['fc.bias', 'ImageNet classifier, replaced by the embedding head'],
  ]);
  for (const s of specs) {
    if (s.key.endsWith('.running_mean')) {
      ignored.set(s.key.replace(/running_mean$/, 'num_batches_tracked'), 'BatchNorm batch counter, unused with frozen statistics');
    }
  }
  return { format: 'torchvision ResNet', entries: identity(specs), ignored };
}

/** timm VisionTransformer state dict (augreg ViT, DeiT): head (and head_dist) dropped by reset_classifier(0). */
export function timmVitKeyMap(cfg: ViTConfig): KeyMap {
  const heads = cfg.distilled ? ['head', 'head_dist'] : ['head'];
  const ignored = new Map<string, string>();
  for (const h of heads) {
    for (const p of ['weight', 'bias']) ignored.set(`${h}.${p}`, 'ImageNet classifier, removed by reset_classifier(0)');
  }
  return { format: cfg.distilled ? 'timm DeiT distilled' : 'timm ViT', entries: identity(vitSpecs(cfg)), ignored };
}

/** DINO's vision_transformer.py checkpoint (dino_deitsmall16_pretrain / timm `.dino`): no head at all. */
export function dinoVitKeyMap(cfg: ViTConfig): KeyMap {
  if (cfg.distilled) throw new Error('dinoVitKeyMap: DINO ViTs have no distillation token');
  return { format: 'DINO ViT', entries: identity(vitSpecs(cfg)), ignored: new Map() };
}
