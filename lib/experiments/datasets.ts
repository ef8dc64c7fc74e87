/**
 * The four benchmarks as the registry needs them: where the data goes (the folder names
 * lib/data's readers expect under the data root), the evaluation protocol of the official code
 * (docs/official-recipe.md sections 2a, 3a, 9) and what to download.
 */
import type { DatasetId } from './paper_table';

export interface DatasetInfo {
  id: DatasetId;
  title: string;
  /** folder under the data root (default data/) */
  folder: string;
  /** training images (official count) and train classes (= proxies) */
  trainImages: number;
  trainClasses: number;
  /** Recall@K the official code computes */
  evalKs: number[];
  /** official: SOP and In-Shop are only evaluated from epoch 40 */
  evalFrom: number;
  download: string;
}

export const DATASETS: Record<DatasetId, DatasetInfo> = {
  cub: {
    id: 'cub', title: 'CUB-200-2011', folder: 'CUB_200_2011', trainImages: 5864, trainClasses: 100, evalKs: [1, 2, 4, 8], evalFrom: 0,
    download: 'CUB_200_2011.tgz from Caltech (https://www.vision.caltech.edu/datasets/cub_200_2011/); unpack so that data/CUB_200_2011/images/<NNN.Class>/ exists',
  },
  cars: {
    id: 'cars', title: 'Cars-196', folder: 'cars196', trainImages: 8054, trainClasses: 98, evalKs: [1, 2, 4, 8], evalFrom: 0,
    download: 'car_ims.tgz and cars_annos.mat (Stanford Cars, Krause et al. 2013); put both in data/cars196/ and unpack car_ims.tgz there',
  },
  sop: {
    id: 'sop', title: 'Stanford Online Products', folder: 'Stanford_Online_Products', trainImages: 59551, trainClasses: 11318,
    evalKs: [1, 10, 100, 1000], evalFrom: 40,
    download: 'Stanford_Online_Products.zip (https://cvgl.stanford.edu/projects/lifted_struct/); unzip into data/ (gives data/Stanford_Online_Products/Ebay_train.txt)',
  },
  inshop: {
    id: 'inshop', title: 'In-Shop Clothes Retrieval', folder: 'Inshop_Clothes', trainImages: 25882, trainClasses: 3997,
    evalKs: [1, 10, 20, 30], evalFrom: 40,
    download: 'DeepFashion In-shop: Eval/list_eval_partition.txt and Img/img.zip (CUHK MMLab); put them under data/Inshop_Clothes/ (Eval/, Img/img/)',
  },
};

/** Official iterations per epoch: floor(N_train / global batch) (UniqueClassSampler). */
export function itersPerEpoch(dataset: DatasetId, globalBatch: number): number {
  return Math.floor(DATASETS[dataset].trainImages / globalBatch);
}
