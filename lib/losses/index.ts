/** Metric-learning losses, one per file; every loss implements MetricLoss. */
export { proxyAnchorLoss, proxyAnchorNormalized, ProxyAnchorLoss } from './proxy_anchor';
export type { ProxyAnchorOptions, ProxyLossConfig } from './proxy_anchor';
export { seeProxyAnchorLoss, SeeProxyAnchorLoss } from './see_proxy_anchor';
export type { SeeOptions, SeeStepInfo } from './see_proxy_anchor';
export { NormalizedSoftmaxLoss } from './normalized_softmax';
export { ProxyNcaLoss } from './proxy_nca';
export type { ProxyNcaOptions } from './proxy_nca';
export { MultiSimilarityLoss } from './multi_similarity';
export type { MultiSimilarityOptions } from './multi_similarity';
export { SoftTripleLoss } from './soft_triple';
export type { SoftTripleOptions } from './soft_triple';
export { SupConLoss } from './sup_con';
export { l2Normalize } from './l2_normalize';
export { kaimingNormalFanOut, kaimingUniformDefault } from './proxy_init';
export { LOSSES, lossNames, getLossEntry, resolveLoss, createLoss, lossOfPaperMethod } from './registry';
export type { LossName, LossSpec } from './registry';
export { lossEntry } from './loss_entry';
export type { LossContext, LossEntry } from './loss_entry';
