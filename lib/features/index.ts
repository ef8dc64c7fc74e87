/** lib/features: re-exports only (the public surface of this folder on one page). */
export { DEFAULT_FEATURES_ROOT, cacheDir, ensureFeatureCache, identityOf } from './cache';
export type { CacheRequest, CacheStatus, FeatureCache, FeatureManifest } from './cache';
export { extractFeatures } from './extract';
export type { ExtractOptions } from './extract';
export { featureBatchSource, featureEmbedder } from './feature_batches';
export type { FeatureSourceOptions } from './feature_batches';
export { FeatureHeadModel } from './head_model';
export { imageHashes, runRecordOf, sha256File, weightsIdentity } from './identity';
export type { FeatureIdentity, FeatureRunRecord, WeightsIdentity } from './identity';
