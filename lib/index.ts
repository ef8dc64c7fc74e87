/**
 * The kit's public surface, one namespace per part (each folder's index.ts lists its exports).
 * Notebooks and scripts may also import a single file, e.g. `see-kit/lib/method/expansion`.
 */
export { tf, initBackend, backendInfo, describeBackend, parseBackendRequest } from './tf';
export type { BackendInfo, BackendName, BackendRequest } from './tf';
export type { EmbeddingModel, MetricLoss } from './types';
export * as method from './method';
export * as losses from './losses';
export * as evaluation from './eval';
export * as data from './data';
export * as backbones from './backbones';
export * as training from './train';
export * as experiments from './experiments';
export * as viz from './viz';
