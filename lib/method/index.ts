/** The SEE method: expansion, coefficients, selection, schedules, random source, statistics. */
export { sphericalExpansion, constantExpansion, ZERO_RESIDUAL } from './fast/expansion';
export type { ExpansionOptions, ExpansionResult } from './fast/expansion';
export { simplexCoefficients, randomSumZeroCoefficients } from './coefficients';
export { selectForExpansion, roundHalfEven, planOneCount } from './selection';
export { expansionThreshold, thresholdSchedule } from './schedule';
export type { SelectionPlan, ThresholdSettings } from './schedule';
export { SeededRandom } from '../random';
export { batchStatistics } from './statistics';
export type { BatchStatistics } from './statistics';
