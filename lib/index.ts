/**
 * The kit's public surface: what a notebook or a user script needs, on one page. Notebooks import
 * only from here (`import { ... } from 'see-kit/lib'`); deeper paths are the library's own.
 */
// backend (lib/tf.ts is the only import of tfjs)
export { tf, initBackend, backendInfo, describeBackend, parseBackendRequest, releaseWebGpu } from './tf';
export type { BackendInfo, BackendName, BackendRequest } from './tf';
// WebGPU cannot read synchronously: host copies for code that indexes tensors (a loss called directly)
export { readToHost } from './backend/host_values';
export type { EmbeddingModel, MetricLoss } from './types';
export { SeededRandom } from './random';

// the method: readable per-sample version, the fast batched path, selection and schedules
export { expandSample, referenceExpansion, referenceProxyAnchor, referenceSeeLoss } from './method/reference';
export type { ReferenceExpansion, ReferenceExpansionOptions } from './method/reference';
export { sphericalExpansion } from './method/fast/expansion';
export type { ExpansionOptions, ExpansionResult } from './method/fast/expansion';
export { simplexCoefficients, randomSumZeroCoefficients } from './method/coefficients';
export { selectForExpansion } from './method/selection';
export { expansionThreshold, thresholdSchedule } from './method/schedule';
export type { SelectionPlan, ThresholdSettings } from './method/schedule';
export { batchStatistics } from './method/statistics';
export type { BatchStatistics } from './method/statistics';

// losses: the registry (createLoss builds any registered loss by name: the baselines are reached
// that way, their classes stay in lib/losses/) and the two losses the method compares
export { LOSSES, lossNames, resolveLoss, createLoss } from './losses/registry';
export type { LossName, LossSpec } from './losses/registry';
export { proxyAnchorLoss, ProxyAnchorLoss } from './losses/proxy_anchor';
export { seeProxyAnchorLoss, SeeProxyAnchorLoss } from './losses/see_proxy_anchor';

// models
export { createEmbeddingModel, BackboneEmbeddingModel } from './backbones/model';
export { listBackbones, getBackboneEntry } from './backbones/registry';
export type { BackboneEntry } from './backbones/registry';
export { HEADS } from './backbones/heads';
export { FeatureHeadModel } from './features/head_model';
export type { FeatureCache } from './features/cache';

// data
export { DATASETS, DATASET_IDS } from './experiments/datasets';
export { DATA_SOURCES } from './experiments/data_sources';
export type { DatasetFacts, DatasetId } from './experiments/datasets';
export { readCub } from './data/cub';
export { readCars } from './data/cars';
export { readSop } from './data/sop';
export { readInshop } from './data/inshop';
export type { FolderSpec } from './data/folder';
export { makeGlyphs, GLYPH_FONTS } from './data/glyphs';
export { UniqueClassSampler } from './data/sampler';
export { loadBatches } from './data/loader';
export type { DatasetSplit, Sample } from './data/split';

// evaluation and training
export { evaluate } from './eval/evaluate';
export { train } from './train/loop';
export type { RunMetrics } from './train/loop';
export type { EvalMetrics, Evaluator } from './train/contracts';
export { datasetEvaluator } from './train/dataset_evaluator';
export { formatProgress } from './train/progress';
export { RunDir, makeRunId, DEFAULT_RUNS_ROOT } from './train/run_dir';
export { StopSignals, RunStoppedError } from './train/stop_signal';

// experiments: specifications, building and running them, the paper's table
export { specFromRow, defaultSpec } from './experiments/run_spec';
export type { RunSpec } from './experiments/run_spec';
export { applyOverrides, readSpecFile } from './experiments/spec_merge';
export { buildData, buildRun, missingInputs } from './experiments/build_run';
export { cacheFeatures } from './experiments/cache_features';
export { describeData, writeSampleGrid } from './experiments/data_summary';
export type { BuiltData, BuiltRun } from './experiments/build_run';
export { runExperiment, evaluateRun, readRunSpec } from './experiments/run_experiment';
export type { ExperimentHooks, ExperimentResult } from './experiments/run_experiment';
export { DEMO_BACKBONE, DEMO_EMBEDDING_DIM, demoConfig, demoSpec } from './experiments/demo_spec';
export { listRows, getRow } from './experiments/registry';
export type { ExperimentRow } from './experiments/registry';
export { PAPER_TABLE } from './experiments/paper_table';
export { resultRecords } from './experiments/results_table';

// seeds, sweeps and intervals: several seeds of each variant, locally or on Slurm (see-kit sweep)
export type { SeedSummary, PairedDifference } from './stats/intervals';
export { defineSweep } from './sweeps/sweep_definition';
export type { SweepDefinition } from './sweeps/sweep_definition';
export { runSweep } from './sweeps/run_sweep';
export type { SweepOutcome, SweepRunOptions } from './sweeps/run_sweep';
export type { SweepResults } from './sweeps/gather';
export { sweepRecords } from './sweeps/sweep_report';
export { finishedSeedGroups } from './experiments/seed_groups';
export type { SeedGroup } from './experiments/seed_groups';
export type { EpochProtocol } from './experiments/epoch_protocol';

// notebooks: plots, tables, images, live progress
export { showPlot, savePlot } from './viz/plot';
export { lineFigure, histogramFigure, barFigure } from './viz/figures';
export { showTable } from './viz/table';
export { showImages, batchToPngs } from './viz/images';
export { newDisplaySlot } from './viz/display';

// teaching: the exercise checks of the notebooks, and the library functions their exercises are compared with
export { checkExercise, runExerciseCheck, notSolved, NotSolvedError } from './teaching/check';
export type { ExerciseSpec, CheckResult } from './teaching/check';
export { TrialRandom } from './teaching/trial_random';
export { parseCheckLines } from './teaching/report';
export type { CheckLine, CheckStatus } from './teaching/report';
export { proxyAnchorTerms } from './method/reference';
export { normalise, evalResizeCropParams } from './data/transforms';
export { groupLearningRates } from './train/param_groups';
export { lrMultiplier } from './train/lr_schedule';
export type { LrDecay } from './train/lr_schedule';
