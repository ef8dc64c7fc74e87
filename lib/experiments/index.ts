/** lib/experiments: re-exports only (the public surface of this folder on one page). */
export { DATASETS, DATASET_IDS } from './datasets';
export type { DatasetFacts, DatasetId } from './datasets';
export { PAPER_SOURCE, PAPER_TABLE, paperRecall } from './paper_table';
export type { PaperTableRow } from './paper_table';
export { officialDeit128, vitChoice, resnetChoice } from './recipes';
export type { Chosen, Recipe } from './recipes';
export { TRAINABLE_ARCHS, WEIGHTS_DIR, archSlug, listRows, getRow } from './registry';
export type { LossName, ExperimentRow } from './registry';
export { DEFAULT_DATA_ROOT, trainConfigOf, missingInputs, requireInputs } from './row_config';
