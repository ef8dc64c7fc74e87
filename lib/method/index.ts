/** The SEE method: the readable per-sample version, the fast batched expansion, coefficients, selection, schedules, statistics. */
export { expandSample, referenceExpansion, referenceProxyAnchor, referenceSeeLoss } from './reference';
export type { ReferenceExpansion, ReferenceExpansionOptions } from './reference';
export { sphericalExpansion, constantExpansion, ZERO_RESIDUAL } from './fast/expansion';
export type { ExpansionOptions, ExpansionResult } from './fast/expansion';
export { simplexCoefficients, randomSumZeroCoefficients } from './coefficients';
export { selectForExpansion, roundHalfEven, planOneCount } from './selection';
export { expansionThreshold, thresholdSchedule } from './schedule';
export type { SelectionPlan, ThresholdSettings } from './schedule';
export { SeededRandom } from '../random';
export { batchStatistics } from './statistics';
export type { BatchStatistics } from './statistics';
