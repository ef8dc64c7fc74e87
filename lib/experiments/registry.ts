/**
 * Every row of the SEE paper's table as data (lib/experiments/paper_table.ts), plus the rows the
 * kit trains: SEE Proxy-Anchor and plain Proxy-Anchor on R^512, De^128, DN^128, V^128, De^384,
 * DN^384, V^384 for CUB, Cars, SOP and In-Shop. A trainable row names its backbone, weights file,
 * dataset folder and recipe (lib/experiments/recipes.ts); a cited row only carries the paper's
 * numbers and why the kit does not train it.
 */
import { join } from 'node:path';
import { DATASETS, DATASET_IDS, type DatasetId } from './datasets';
import { PAPER_SOURCE, PAPER_TABLE, paperRecall } from './paper_table';
import { officialDeit128, resnetChoice, vitChoice, type Recipe } from './recipes';

export type LossName = 'see_proxy_anchor' | 'proxy_anchor';

export interface ExperimentRow {
  /** e.g. "see-de128-cub" */
  id: string;
  method: string;
  arch: string;
  dataset: DatasetId;
  status: 'trainable' | 'cited';
  /** paper Recall@K in percent keyed by K; null when the table has none for this row */
  paper: Record<string, number | null> | null;
  paperSource: string | null;
  /** folder under the data root */
  datasetFolder: string;
  /** trainable rows: the backbone registry name, its weight file, the head size, loss and recipe */
  backbone?: string;
  weightsFile?: string;
  embeddingDim?: number;
  loss?: LossName;
  recipe?: Recipe;
  notes: string[];
}

interface ArchSpec {
  label: string;
  backbone: string;
  embeddingDim: number;
  recipe: (d: DatasetId) => Recipe;
  note?: string;
}

export const TRAINABLE_ARCHS: readonly ArchSpec[] = [
  { label: 'R^512', backbone: 'resnet50.tv_in1k', embeddingDim: 512, recipe: resnetChoice },
  { label: 'De^128', backbone: 'deit_small_distilled_patch16_224.fb_in1k', embeddingDim: 128, recipe: officialDeit128 },
  { label: 'DN^128', backbone: 'vit_small_patch16_224.dino', embeddingDim: 128, recipe: vitChoice },
  { label: 'V^128', backbone: 'vit_small_patch16_224.augreg_in21k_ft_in1k', embeddingDim: 128, recipe: vitChoice },
  { label: 'De^384', backbone: 'deit_small_distilled_patch16_224.fb_in1k', embeddingDim: 384, recipe: vitChoice, note: 'emb 384 with the LayerNorm -> Linear(384,384) -> L2 head is an inference (docs/official-recipe.md 2b)' },
  { label: 'DN^384', backbone: 'vit_small_patch16_224.dino', embeddingDim: 384, recipe: vitChoice, note: 'emb 384 with the LayerNorm -> Linear(384,384) -> L2 head is an inference (docs/official-recipe.md 2b)' },
  { label: 'V^384', backbone: 'vit_small_patch16_224.augreg_in21k_ft_in1k', embeddingDim: 384, recipe: vitChoice, note: 'emb 384 with the LayerNorm -> Linear(384,384) -> L2 head is an inference (docs/official-recipe.md 2b)' },
];

/** Default folder of pretrained weights (matches lib/backbones/registry.ts WEIGHTS_DIR). */
export const WEIGHTS_DIR = join(__dirname, '..', '..', 'data', 'weights');

const CITED_REASON: Record<string, string> = {
  NSoftmax: 'normalized-softmax loss: not implemented in the kit',
  MIC: 'needs MIC\'s auxiliary clustering task: not implemented',
  XBM: 'needs a cross-batch memory: not implemented',
  HTL: 'hierarchical triplet loss on BN-Inception: not implemented',
  MS: 'multi-similarity loss on BN-Inception: not implemented',
  SoftTriple: 'SoftTriple on BN-Inception: not implemented',
  PA: 'Proxy-Anchor on BN-Inception (B^512): the kit has no BN-Inception backbone; it trains Proxy-Anchor on the SEE backbones instead',
  'ProxyNCA++': 'ProxyNCA++: not implemented',
  Hyp: 'hyperbolic ViT (hyp_metric): not implemented',
  IRT_R: 'IRT_R (intra-batch re-ranking transformer): not implemented',
  'DeiT-S': 'off-the-shelf pretrained DeiT-S features without metric training',
  DINO: 'off-the-shelf pretrained DINO ViT-S/16 features without metric training',
  'ViT-S': 'off-the-shelf pretrained ViT-S/16 features without metric training',
};

export function archSlug(arch: string): string {
  return arch.replace('^', '').toLowerCase();
}

function methodSlug(method: string): string {
  return method.toLowerCase().replace(/\+\+/g, 'pp').replace(/[^a-z0-9_-]/g, '');
}

function buildRows(): ExperimentRow[] {
  const rows: ExperimentRow[] = [];
  for (const a of TRAINABLE_ARCHS) {
    for (const d of DATASET_IDS) {
      for (const [method, loss] of [['SEE', 'see_proxy_anchor'], ['PA', 'proxy_anchor']] as const) {
        const paper = method === 'SEE' ? paperRecall('SEE', a.label, d) ?? null : null;
        const notes = a.note ? [a.note] : [];
        if (method === 'PA') {
          notes.push('baseline the kit trains: the same backbone and recipe as the SEE row, with plain Proxy-Anchor (official --loss PA); the paper has no Proxy-Anchor row for this backbone');
        }
        if (a.label !== 'De^128') notes.push('hyperparameters are choices (no official script); see each reason');
        rows.push({
          id: `${methodSlug(method)}-${archSlug(a.label)}-${d}`,
          method, arch: a.label, dataset: d, status: 'trainable',
          paper, paperSource: paper ? PAPER_SOURCE : null,
          datasetFolder: DATASETS[d].folder,
          backbone: a.backbone,
          weightsFile: join(WEIGHTS_DIR, `${a.backbone}.safetensors`),
          embeddingDim: a.embeddingDim,
          loss,
          recipe: a.recipe(d),
          notes,
        });
      }
    }
  }
  for (const t of PAPER_TABLE) {
    if (t.method === 'SEE') continue;
    for (const d of DATASET_IDS) {
      const paper = paperRecall(t.method, t.arch, d) ?? null;
      rows.push({
        id: `${methodSlug(t.method)}-${archSlug(t.arch)}-${d}`,
        method: t.method, arch: t.arch, dataset: d, status: 'cited',
        paper, paperSource: PAPER_SOURCE,
        datasetFolder: DATASETS[d].folder,
        notes: [`cited, not trained by the kit: ${CITED_REASON[t.method] ?? 'not implemented'}`],
      });
    }
  }
  const ids = new Set<string>();
  for (const r of rows) {
    if (ids.has(r.id)) throw new Error(`experiments registry: duplicate row id "${r.id}"`);
    ids.add(r.id);
  }
  return rows;
}

const ROWS = buildRows();

export function listRows(filter: Partial<Pick<ExperimentRow, 'status' | 'dataset' | 'method' | 'arch'>> = {}): ExperimentRow[] {
  return ROWS.filter((r) => Object.entries(filter).every(([k, v]) => v === undefined || r[k as keyof ExperimentRow] === v));
}

/** The row with this id; an unknown id throws listing the valid ones. */
export function getRow(id: string): ExperimentRow {
  const r = ROWS.find((x) => x.id === id.toLowerCase());
  if (!r) {
    const trainable = ROWS.filter((x) => x.status === 'trainable').map((x) => x.id);
    const cited = ROWS.filter((x) => x.status === 'cited').map((x) => x.id);
    throw new Error(`unknown experiment row "${id}". Trainable rows:\n  ${trainable.join(' ')}\nCited rows (paper numbers only):\n  ${cited.join(' ')}`);
  }
  return r;
}
