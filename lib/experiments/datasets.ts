/**
 * The four benchmarks of the paper, every fact about them in one table: the folder and layout the
 * readers (lib/data) expect under the data root, where to get them, the official image counts and
 * train classes (docs/official-recipe.md §3a), the Recall@K the official SEE code computes and when
 * it starts evaluating (§9), whether queries are ranked against a separate gallery, and the K of the
 * paper's table. The readers, the evaluation protocols (lib/eval/protocols.ts), the recipes, the
 * paper's table and the run specifications read these facts from here.
 */

export type DatasetId = 'cub' | 'cars' | 'sop' | 'inshop';
export const DATASET_IDS: readonly DatasetId[] = ['cub', 'cars', 'sop', 'inshop'];

export interface DatasetFacts {
  id: DatasetId;
  title: string;
  /** folder under the data root (default data/) */
  folder: string;
  /** the files a reader expects, one per line, relative to the data root */
  layout: string;
  /** what to download and where to unpack it */
  download: string;
  /** official image counts per part: train and test, or train, query and gallery (In-Shop) */
  counts: Readonly<Record<string, number>>;
  /** train classes (= proxies) */
  trainClasses: number;
  /** Recall@K the official code computes (docs/official-recipe.md §9) */
  evalKs: number[];
  /** first epoch the official code evaluates (SOP and In-Shop: 40) */
  evalFrom: number;
  /** queries ranked against a separate gallery (In-Shop) rather than against one labelled set */
  queryGallery: boolean;
  /** the K of the three columns the paper's table prints */
  paperKs: readonly number[];
}

export const DATASETS: Readonly<Record<DatasetId, DatasetFacts>> = {
  cub: {
    id: 'cub',
    title: 'CUB-200-2011',
    folder: 'CUB_200_2011',
    layout: 'CUB_200_2011/images/<NNN.Class_name>/*.jpg   (200 class folders)',
    download:
      'CUB_200_2011.tgz (Caltech, Wah et al. 2011: https://www.vision.caltech.edu/datasets/cub_200_2011/); unpack it so that data/CUB_200_2011/images/<NNN.Class>/ exists',
    counts: { train: 5864, test: 5924 },
    trainClasses: 100,
    evalKs: [1, 2, 4, 8],
    evalFrom: 0,
    queryGallery: false,
    paperKs: [1, 2, 4],
  },
  cars: {
    id: 'cars',
    title: 'Cars-196',
    folder: 'cars196',
    layout: 'cars196/cars_annos.mat\ncars196/car_ims/000001.jpg ... 016185.jpg',
    download: 'car_ims.tgz and cars_annos.mat (Stanford Cars, Krause et al. 2013); put both in data/cars196/ and unpack car_ims.tgz there',
    counts: { train: 8054, test: 8131 },
    trainClasses: 98,
    evalKs: [1, 2, 4, 8],
    evalFrom: 0,
    queryGallery: false,
    paperKs: [1, 2, 4],
  },
  sop: {
    id: 'sop',
    title: 'Stanford Online Products',
    folder: 'Stanford_Online_Products',
    layout:
      'Stanford_Online_Products/Ebay_train.txt\nStanford_Online_Products/Ebay_test.txt\nStanford_Online_Products/<category>_final/*.JPG',
    download:
      'Stanford_Online_Products.zip (Stanford, Oh Song et al. 2016: https://cvgl.stanford.edu/projects/lifted_struct/); unzip it into data/ (gives data/Stanford_Online_Products/Ebay_train.txt)',
    counts: { train: 59551, test: 60502 },
    trainClasses: 11318,
    evalKs: [1, 10, 100, 1000],
    evalFrom: 40,
    queryGallery: false,
    paperKs: [1, 10, 100],
  },
  inshop: {
    id: 'inshop',
    title: 'In-Shop Clothes Retrieval',
    folder: 'Inshop_Clothes',
    layout: 'Inshop_Clothes/Eval/list_eval_partition.txt\nInshop_Clothes/Img/img/<MEN|WOMEN>/<category>/id_XXXXXXXX/*.jpg',
    download:
      'Eval/list_eval_partition.txt and Img/img.zip of DeepFashion In-shop (Liu et al. 2016, CUHK MMLab); put them under data/Inshop_Clothes/ and unpack img.zip there (Eval/, Img/img/)',
    counts: { train: 25882, query: 14218, gallery: 12612 },
    trainClasses: 3997,
    evalKs: [1, 10, 20, 30],
    evalFrom: 40,
    queryGallery: true,
    paperKs: [1, 10, 20],
  },
};

/** Official iterations per epoch: floor(N_train / global batch), as the m-per-class sampler counts them. */
export function itersPerEpoch(dataset: DatasetId, globalBatch: number): number {
  return Math.floor(DATASETS[dataset].counts.train / globalBatch);
}
