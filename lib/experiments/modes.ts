/**
 * How a run trains (`mode: { name, options }` of a run specification): a training mode turns the
 * specification and its data into the model, the batch source and the evaluators the training
 * loop takes (the loss comes from the loss registry in every mode). Adding a mode (training a head
 * on cached backbone features, say): a file exporting its TrainingMode, and one line in MODES.
 */
import { entryOf, resolveNamed, type NamedOptions, type OptionSchema, type OptionValues } from '../options';
import type { BatchSource, Evaluator } from '../train/contracts';
import type { EmbeddingModel } from '../types';
import type { BuiltData } from './build_run';
import { END_TO_END } from './end_to_end';
import type { RunSpec } from './run_spec';

/** What a mode builds for the training loop. */
export interface TrainingParts {
  model: EmbeddingModel;
  source: BatchSource;
  /** the test split's evaluator (unseen classes) */
  evaluate: Evaluator;
  /** the carved validation split's, when the specification asks for one */
  validate?: Evaluator;
}

export interface TrainingMode {
  title: string;
  options: OptionSchema;
  /** `options` are complete and checked against `options` above */
  build(spec: RunSpec, data: BuiltData, options: OptionValues): TrainingParts;
}

export const MODES = {
  end_to_end: END_TO_END,
} satisfies Record<string, TrainingMode>;

export type ModeName = keyof typeof MODES;
export type ModeSpec = NamedOptions<ModeName>;

export function resolveMode(name: string, given: Readonly<Record<string, unknown>> = {}): ModeSpec {
  return resolveNamed(MODES, 'training mode', name, given);
}

export function getMode(name: string): TrainingMode {
  return entryOf<TrainingMode>(MODES, 'training mode', name);
}
