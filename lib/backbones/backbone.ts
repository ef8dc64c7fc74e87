/**
 * A backbone built from a registry entry: its variables (ParamStore, keyed by PyTorch names),
 * its pooled features before any head, and strict loading of its pretrained checkpoint.
 */
import { tf } from '../tf';
import type { KeyMap } from './key_maps';
import { ParamStore, type ParamSpec } from './params';
import { getBackboneEntry, keyMapOf, type BackboneEntry } from './registry';
import { resnetFeatureDim, resnetFeatures } from './resnet';
import { vitFeatures } from './vit';
import { loadSafetensorsInto, type LoadReport } from './weights';

export interface BackboneOptions {
  /**
   * ResNet BatchNorm: 'frozen-stats' (SEE: running statistics fixed, scale/shift train) or
   * 'frozen' (Proxy-Anchor's bn_freeze: nothing in BatchNorm trains). Default 'frozen-stats'.
   */
  batchNorm?: 'frozen-stats' | 'frozen';
  /** ViT: patch_embed does not train (SEE's freeze(body, 0)). Default true. */
  freezePatchEmbed?: boolean;
  /** seed of the random initialisation used before (or instead of) pretrained weights */
  seed?: number;
}

export class Backbone {
  readonly params: ParamStore;
  readonly keyMap: KeyMap;
  readonly featureDim: number;

  constructor(
    readonly entry: BackboneEntry,
    options: BackboneOptions = {},
  ) {
    const arch = entry.architecture;
    this.keyMap = keyMapOf(arch);
    const bnMode = options.batchNorm ?? 'frozen-stats';
    const freezePatch = options.freezePatchEmbed ?? true;
    const isBn = (k: string): boolean => /(^|\.)(bn\d|downsample\.1)\.(weight|bias)$/.test(k);
    const trainable = (s: ParamSpec): boolean =>
      arch.family === 'resnet' ? !(bnMode === 'frozen' && isBn(s.key)) : !(freezePatch && s.key.startsWith('patch_embed.'));
    this.params = new ParamStore(
      this.keyMap.entries.map((e) => e.spec),
      trainable,
      options.seed ?? 0,
    );
    this.featureDim = featureDimOf(entry);
  }

  /** Pooled features [B, featureDim] of NHWC images [B, H, W, 3] (normalised as entry.preprocessing). */
  features(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const arch = this.entry.architecture;
    return arch.family === 'resnet'
      ? resnetFeatures(this.params, arch.config, images)
      : vitFeatures(this.params, arch.config, images, training);
  }

  /** Strictly loads a .safetensors checkpoint (default: the entry's file under data/weights/). */
  loadWeights(path: string = this.entry.weightsFile): LoadReport {
    return loadSafetensorsInto(this.params, path, this.keyMap);
  }

  trainableVariables(): tf.Variable[] {
    return this.params.trainableVariables();
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Size of an entry's pooled features (ResNet: the last stage's channels; ViT: the token width). */
export function featureDimOf(entry: BackboneEntry): number {
  const arch = entry.architecture;
  return arch.family === 'resnet' ? resnetFeatureDim(arch.config) : arch.config.embedDim;
}

/** A backbone by registry name, e.g. createBackbone('resnet50.tv_in1k'). */
export function createBackbone(name: string, options: BackboneOptions = {}): Backbone {
  return new Backbone(getBackboneEntry(name), options);
}
