/**
 * Evaluation protocols of the paper's table (SEE, PAKDD 2024, Table 1; Proxy-Anchor's evaluation):
 * CUB-200 and Cars-196: Recall@{1,2,4,8,16,32} on the test set, each item a query against all
 * others; SOP: Recall@{1,10,100,1000}; In-Shop: Recall@{1,10,20,30,40,50}, queries against a
 * separate gallery, no self-exclusion. NMI, MAP@R and R-Precision are added on request.
 */
export type Metric = 'recall' | 'mapAtR' | 'rPrecision' | 'nmi';

export interface Protocol {
  name: string;
  ks: number[];
  metrics: Metric[];
  /** true: a query set against a gallery (In-Shop); false: one labelled set */
  queryGallery: boolean;
}

export const PROTOCOLS = {
  cub: { name: 'cub', ks: [1, 2, 4, 8, 16, 32], metrics: ['recall'], queryGallery: false },
  cars: { name: 'cars', ks: [1, 2, 4, 8, 16, 32], metrics: ['recall'], queryGallery: false },
  sop: { name: 'sop', ks: [1, 10, 100, 1000], metrics: ['recall'], queryGallery: false },
  inshop: { name: 'inshop', ks: [1, 10, 20, 30, 40, 50], metrics: ['recall'], queryGallery: true },
} satisfies Record<string, Protocol>;

export type ProtocolName = keyof typeof PROTOCOLS;
