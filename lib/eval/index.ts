/** Public surface of the evaluators (re-exports only). */
export { evaluate, type EvaluateOptions, type EvalResult, type QueryGallery } from './evaluate';
export { PROTOCOLS, type Protocol, type ProtocolName, type Metric } from './protocols';
export { prepareSet, type EmbeddingInput, type EmbeddingSet, type NormalizeMode, type PreparedSet } from './embedding_set';
export { nmi } from './nmi';
export { kmeans, type KMeansOptions, type KMeansResult } from './kmeans';
export { exactDot, gemmErrorBound } from './exact_dot';
export { buildThresholds, type ThresholdTables, type ThresholdOptions } from './thresholds';
export { countAbove, defaultWorkers, type BlockOptions } from './knn_blocks';
export { recallFromCounts, type RecallAtK } from './recall_at_k';
export { mapAtRFromCounts, type MapAtR } from './map_at_r';
export { stderrProgress, type EvalProgress, type ProgressCallback } from './progress';
