/**
 * Backbones by timm-style name (`architecture.pretrained_tag`), each with its architecture, its
 * checkpoint's key map, where its weights file lives and how its inputs are preprocessed (the
 * pretrained_cfg of timm: mean, std, input size, interpolation, crop fraction). Tiny `.test`
 * variants run the same code on random or fixture weights; `.demo` is the demo's from-scratch network.
 */
import { join } from 'node:path';
import { dinoVitKeyMap, timmVitKeyMap, torchvisionResnetKeyMap, type KeyMap } from './key_maps';
import { RESNET50, type ResNetConfig } from './resnet';
import { VIT_SMALL_16, type ViTConfig } from './vit';

export interface Preprocessing {
  mean: [number, number, number];
  std: [number, number, number];
  /** square input side in pixels */
  inputSize: number;
  interpolation: 'bilinear' | 'bicubic';
  /** resize to inputSize / cropPct, then centre-crop inputSize (timm's eval transform) */
  cropPct: number;
}

export type Architecture = { family: 'resnet'; config: ResNetConfig } | { family: 'vit'; config: ViTConfig; checkpoint: 'timm' | 'dino' };

export interface BackboneEntry {
  name: string;
  architecture: Architecture;
  preprocessing: Preprocessing;
  /** where the user puts the file: data/weights/<name>.safetensors */
  weightsFile: string;
  /** where the file comes from (Hugging Face hub repository and file) */
  source: string;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
const INCEPTION = { mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.5, 0.5, 0.5] as [number, number, number] };

/** Default folder of pretrained weights: <repo>/data/weights. */
export const WEIGHTS_DIR = join(__dirname, '..', '..', 'data', 'weights');

function entry(name: string, architecture: Architecture, preprocessing: Preprocessing, source: string): BackboneEntry {
  return { name, architecture, preprocessing, weightsFile: join(WEIGHTS_DIR, `${name}.safetensors`), source };
}

const TINY_VIT: ViTConfig = { imgSize: 32, patchSize: 8, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 4, distilled: false };
const TINY_PRE: Preprocessing = { ...IMAGENET, inputSize: 32, interpolation: 'bicubic', cropPct: 1 };

const ENTRIES: BackboneEntry[] = [
  entry(
    'resnet50.tv_in1k',
    { family: 'resnet', config: RESNET50 },
    { ...IMAGENET, inputSize: 224, interpolation: 'bilinear', cropPct: 0.875 },
    'https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors',
  ),
  entry(
    'deit_small_distilled_patch16_224.fb_in1k',
    { family: 'vit', config: { ...VIT_SMALL_16, distilled: true }, checkpoint: 'timm' },
    { ...IMAGENET, inputSize: 224, interpolation: 'bicubic', cropPct: 0.875 },
    'https://huggingface.co/timm/deit_small_distilled_patch16_224.fb_in1k/resolve/main/model.safetensors',
  ),
  entry(
    'vit_small_patch16_224.augreg_in21k_ft_in1k',
    { family: 'vit', config: VIT_SMALL_16, checkpoint: 'timm' },
    { ...INCEPTION, inputSize: 224, interpolation: 'bicubic', cropPct: 0.9 },
    'https://huggingface.co/timm/vit_small_patch16_224.augreg_in21k_ft_in1k/resolve/main/model.safetensors',
  ),
  entry(
    'vit_small_patch16_224.dino',
    { family: 'vit', config: VIT_SMALL_16, checkpoint: 'dino' },
    { ...IMAGENET, inputSize: 224, interpolation: 'bicubic', cropPct: 0.9 },
    'https://huggingface.co/timm/vit_small_patch16_224.dino/resolve/main/model.safetensors',
  ),
  // the demo's small network for 32 px glyphs (`npm run demo`), always trained from scratch
  entry(
    'resnet_small.demo',
    { family: 'resnet', config: { stemWidth: 16, planes: [8, 16, 32, 32], depths: [1, 1, 1, 1] } },
    { ...INCEPTION, inputSize: 32, interpolation: 'bilinear', cropPct: 1 },
    'no pretrained weights: trained from scratch (weights "none")',
  ),
  // tiny variants: the same code, the weights of scripts/torch_parity.py
  entry(
    'resnet_tiny.test',
    { family: 'resnet', config: { stemWidth: 8, planes: [2, 4, 4, 8], depths: [2, 1, 1, 1] } },
    { ...TINY_PRE, inputSize: 48, interpolation: 'bilinear' },
    'scripts/torch_parity.py',
  ),
  entry('vit_tiny_patch8_32.test', { family: 'vit', config: TINY_VIT, checkpoint: 'timm' }, TINY_PRE, 'scripts/torch_parity.py'),
  entry(
    'deit_tiny_distilled_patch8_32.test',
    { family: 'vit', config: { ...TINY_VIT, distilled: true }, checkpoint: 'timm' },
    TINY_PRE,
    'scripts/torch_parity.py',
  ),
  entry('vit_tiny_patch8_32.dino_test', { family: 'vit', config: TINY_VIT, checkpoint: 'dino' }, TINY_PRE, 'scripts/torch_parity.py'),
];

/** Every registered name. */
export function listBackbones(): string[] {
  return ENTRIES.map((e) => e.name);
}

/** The entry of a name; throws listing the known names. */
export function getBackboneEntry(name: string): BackboneEntry {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e) throw new Error(`unknown backbone "${name}"; known: ${listBackbones().join(', ')}`);
  return e;
}

/** The key map of an entry's checkpoint format. */
export function keyMapOf(arch: Architecture): KeyMap {
  if (arch.family === 'resnet') return torchvisionResnetKeyMap(arch.config);
  return arch.checkpoint === 'dino' ? dinoVitKeyMap(arch.config) : timmVitKeyMap(arch.config);
}
