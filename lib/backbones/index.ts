/** Public surface of lib/backbones (re-exports only). */
export { parseSafetensors, readSafetensors, encodeSafetensors, writeSafetensors, type NamedArray } from './safetensors';
export { ParamStore, tfShape, toTfLayout, toTorchLayout, type ParamSpec, type Transform } from './params';
export { torchvisionResnetKeyMap, timmVitKeyMap, dinoVitKeyMap, type KeyMap, type KeyMapEntry } from './key_maps';
export { checkCheckpoint, loadCheckpoint, loadSafetensorsInto, WeightLoadError, type LoadReport } from './weights';
export { RESNET50, resnetSpecs, resnetFeatures, resnetFeatureMap, resnetFeatureDim, type ResNetConfig } from './resnet';
export { VIT_SMALL_16, vitSpecs, vitTokens, vitFeatures, type ViTConfig } from './vit';
export { resamplePosEmbed, bicubicMatrix } from './pos_embed';
export { EmbeddingHead, NORMALIZED_LINEAR, type HeadOptions } from './head';
export { HEADS, DEFAULT_HEAD, resolveHead, createHead, type HeadName, type HeadSpec } from './heads';
export { headEntry, type Head, type HeadContext, type HeadEntry } from './head_entry';
export { orthogonalMatrix } from './orthogonal';
export { normalizeImages } from './preprocess';
export {
  listBackbones,
  getBackboneEntry,
  keyMapOf,
  WEIGHTS_DIR,
  type BackboneEntry,
  type Preprocessing,
  type Architecture,
} from './registry';
export { Backbone, createBackbone, type BackboneOptions } from './backbone';
export { BackboneEmbeddingModel, createEmbeddingModel, type ModelOptions } from './model';
