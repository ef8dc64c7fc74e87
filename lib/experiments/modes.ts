/**
 * How a run trains (`mode: { name, options }` of a run specification): a training mode turns the
 * specification and its data into the model, the batch source and the evaluators the training
 * loop takes (the loss comes from the loss registry in every mode). A mode may first prepare
 * what needs awaiting (the frozen backbone's features cache), may train nothing (evaluation only),
 * and says whether its checkpoints hold the backbone. Adding a mode: a file exporting its
 * TrainingMode, and one line in MODES.
 */
import { entryOf, resolveNamed, type NamedOptions, type OptionSchema, type OptionValues } from '../options';
import type { BatchSource, Evaluator } from '../train/contracts';
import type { EmbeddingModel } from '../types';
import type { BuiltData } from './build_run';
import { END_TO_END } from './end_to_end';
import { EVALUATION_ONLY } from './evaluation_only';
import { FROZEN_BACKBONE } from './frozen_backbone';
import type { RunSpec } from './run_spec';

/** What a mode builds for the training loop. */
export interface TrainingParts {
  model: EmbeddingModel;
  source: BatchSource;
  /** the test split's evaluator (unseen classes) */
  evaluate: Evaluator;
  /** the carved validation split's, when the specification asks for one */
  validate?: Evaluator;
  /** how the mode's inputs were made (the features cache's identity): recorded in the run folder, checked on resume and evaluation */
  inputs?: Record<string, unknown>;
}

/** Where a mode's preparation works, and where it reports. */
export interface ModeContext {
  /** folder of features caches (default data/features) */
  featuresRoot: string;
  /** progress lines of a long preparation */
  report?: (line: string) => void;
}

export interface TrainingMode {
  title: string;
  options: OptionSchema;
  /** nothing trains: runExperiment evaluates the built model once and writes the run folder (no checkpoint) */
  evaluationOnly?: boolean;
  /** false when the backbone is not in the checkpoint and comes from the spec's weights again at evaluation (default true) */
  checkpointHoldsBackbone?: boolean;
  /** work to await before build (e.g. a features cache); build receives what it returns */
  prepare?(spec: RunSpec, data: BuiltData, options: OptionValues, context: ModeContext): Promise<unknown>;
  /** `options` are complete and checked against `options` above */
  build(spec: RunSpec, data: BuiltData, options: OptionValues, prepared?: unknown): TrainingParts;
}

export const MODES = {
  end_to_end: END_TO_END,
  frozen_backbone: FROZEN_BACKBONE,
  evaluation_only: EVALUATION_ONLY,
} satisfies Record<string, TrainingMode>;

export type ModeName = keyof typeof MODES;
export type ModeSpec = NamedOptions<ModeName>;

export function resolveMode(name: string, given: Readonly<Record<string, unknown>> = {}): ModeSpec {
  return resolveNamed(MODES, 'training mode', name, given);
}

export function getMode(name: string): TrainingMode {
  return entryOf<TrainingMode>(MODES, 'training mode', name);
}
