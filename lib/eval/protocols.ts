/**
 * Evaluation protocols by dataset name, derived from the table of dataset facts
 * (lib/experiments/datasets.ts): the Recall@K the official SEE code computes (CUB and Cars
 * 1, 2, 4, 8; SOP 1, 10, 100, 1000; In-Shop 1, 10, 20, 30, queries against a separate gallery, no
 * self-exclusion). NMI, MAP@R and R-Precision are added on request.
 */
import { DATASETS, DATASET_IDS, type DatasetId } from '../experiments/datasets';

export type Metric = 'recall' | 'mapAtR' | 'rPrecision' | 'nmi';

export interface Protocol {
  name: string;
  ks: number[];
  metrics: Metric[];
  /** true: a query set against a gallery (In-Shop); false: one labelled set */
  queryGallery: boolean;
}

export type ProtocolName = DatasetId;

export const PROTOCOLS: Readonly<Record<ProtocolName, Protocol>> = Object.fromEntries(
  DATASET_IDS.map((id) => [id, { name: id, ks: [...DATASETS[id].evalKs], metrics: ['recall'], queryGallery: DATASETS[id].queryGallery }]),
) as Record<ProtocolName, Protocol>;
