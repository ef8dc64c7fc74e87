/**
 * Every row of the SEE paper's table as data (lib/experiments/paper_table.ts), for CUB, Cars, SOP
 * and In-Shop. A row is trainable when the kit has its backbone (TRAINABLE_ARCHS: R^512, De^128,
 * DN^128, V^128, De^384, DN^384, V^384) and the loss registry (lib/losses/registry.ts) has a loss
 * for its method (SEE and Hyp, and on R^512 NSoftmax and ProxyNCA++); the kit adds plain
 * Proxy-Anchor on every one of these backbones. The paper's off-the-shelf rows (DeiT-S De^384, DINO
 * DN^384, ViT-S V^384) are runnable too, as evaluation-only rows: the pretrained backbone's
 * L2-normalised features scored with the dataset's protocol. A trainable row names its backbone,
 * weights file, dataset folder, head, loss and recipe (lib/experiments/recipes.ts; the Hyp rows
 * hyp_metric's own, ./hyp_recipe.ts); a cited row only carries the paper's numbers and why the kit
 * does not train it.
 */
import { DEFAULT_HEAD, type HeadSpec } from '../backbones/heads';
import { getBackboneEntry } from '../backbones/registry';
import { lossOfPaperMethod, type LossName } from '../losses/registry';
import type { OptionValues } from '../options';
import { DATASETS, DATASET_IDS, type DatasetId } from './datasets';
import { hypRow } from './hyp_recipe';
import { PAPER_SOURCE, PAPER_TABLE, paperRecall } from './paper_table';
import { officialDeit128, resnetChoice, vitChoice, type Chosen, type Recipe, type SeeRecipe } from './recipes';

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
  /** the loss's options that differ from the registry's defaults, and why */
  lossOptions?: Chosen<OptionValues>;
  /** the embedding head and its options (lib/backbones/heads.ts), and why */
  head?: Chosen<HeadSpec>;
  recipe?: Recipe;
  /** nothing trains: the pretrained backbone's L2-normalised features are evaluated (mode evaluation_only, head l2_normalize) */
  evaluationOnly?: true;
  notes: string[];
}

interface ArchSpec {
  label: string;
  backbone: string;
  embeddingDim: number;
  recipe: (d: DatasetId) => SeeRecipe;
  note?: string;
}

export const TRAINABLE_ARCHS: readonly ArchSpec[] = [
  { label: 'R^512', backbone: 'resnet50.tv_in1k', embeddingDim: 512, recipe: resnetChoice },
  { label: 'De^128', backbone: 'deit_small_distilled_patch16_224.fb_in1k', embeddingDim: 128, recipe: officialDeit128 },
  { label: 'DN^128', backbone: 'vit_small_patch16_224.dino', embeddingDim: 128, recipe: vitChoice },
  { label: 'V^128', backbone: 'vit_small_patch16_224.augreg_in21k_ft_in1k', embeddingDim: 128, recipe: vitChoice },
  {
    label: 'De^384',
    backbone: 'deit_small_distilled_patch16_224.fb_in1k',
    embeddingDim: 384,
    recipe: vitChoice,
    note: 'emb 384 with the LayerNorm -> Linear(384,384) -> L2 head is an inference (docs/official-recipe.md 2b)',
  },
  {
    label: 'DN^384',
    backbone: 'vit_small_patch16_224.dino',
    embeddingDim: 384,
    recipe: vitChoice,
    note: 'emb 384 with the LayerNorm -> Linear(384,384) -> L2 head is an inference (docs/official-recipe.md 2b)',
  },
  {
    label: 'V^384',
    backbone: 'vit_small_patch16_224.augreg_in21k_ft_in1k',
    embeddingDim: 384,
    recipe: vitChoice,
    note: 'emb 384 with the LayerNorm -> Linear(384,384) -> L2 head is an inference (docs/official-recipe.md 2b)',
  },
];

/** Why a method without a registered loss is only cited. */
const CITED_REASON: Record<string, string> = {
  MIC: "needs MIC's auxiliary clustering task: not implemented",
  XBM: 'needs a cross-batch memory: not implemented',
  HTL: 'hierarchical triplet loss: not implemented',
  IRT_R: 'IRT_R (intra-batch re-ranking transformer): not implemented',
};

/** The table's off-the-shelf methods: a pretrained backbone's features without metric training, evaluated as they are. */
const PRETRAINED_ONLY: Record<string, string> = {
  'DeiT-S': 'off-the-shelf pretrained DeiT-S (distilled) features',
  DINO: 'off-the-shelf pretrained DINO ViT-S/16 features',
  'ViT-S': 'off-the-shelf pretrained ViT-S/16 (AugReg in21k, fine-tuned in1k) features',
};

export function archSlug(arch: string): string {
  return arch.replace('^', '').toLowerCase();
}

function methodSlug(method: string): string {
  return method
    .toLowerCase()
    .replace(/\+\+/g, 'pp')
    .replace(/[^a-z0-9_-]/g, '');
}

const KIT_PA_NOTE =
  'baseline the kit trains: the same backbone and recipe as the SEE row, with plain Proxy-Anchor (official --loss PA); the paper has no Proxy-Anchor row for this backbone';
const REGISTRY_DEFAULTS = "the loss registry's defaults (lib/losses/registry.ts; `see-kit list --losses`)";

const SEE_HEAD: Chosen<HeadSpec> = {
  value: DEFAULT_HEAD,
  reason: 'official SEE head: LayerNorm (no affine), Linear, L2 normalisation (trainer/models/model.py, docs/official-recipe.md 4)',
};

/** The SEE row's recipe of the backbone (SEE, plain Proxy-Anchor and the baselines the kit trains with it). */
function seeRecipeRow(
  method: string,
  a: ArchSpec,
  d: DatasetId,
  paper: Record<string, number | null> | null,
): Pick<ExperimentRow, 'recipe' | 'head' | 'lossOptions' | 'notes'> {
  const recipe = a.recipe(d);
  const notes = a.note ? [a.note] : [];
  if (method === 'PA' && !paper) notes.push(KIT_PA_NOTE);
  if (method !== 'SEE' && method !== 'PA')
    notes.push(`recipe: the kit's ${a.label} choices, as for the SEE ${a.label} row; the ${method} paper trained with its own recipe`);
  if (a.label !== 'De^128') notes.push('hyperparameters are choices (no official script); see each reason');
  const lossOptions =
    method === 'SEE' ? { value: { ...recipe.see.value }, reason: recipe.see.reason } : { value: {}, reason: REGISTRY_DEFAULTS };
  return { recipe, head: SEE_HEAD, lossOptions, notes };
}

function trainableRow(
  method: string,
  a: ArchSpec,
  d: DatasetId,
  loss: LossName,
  paper: Record<string, number | null> | null,
): ExperimentRow {
  // a method with an official recipe of its own (Hyp: hyp_metric's) trains with it, every other one with the SEE row's
  const own = method === 'Hyp' ? hypRow(a.backbone, a.embeddingDim, d) : undefined;
  return {
    id: `${methodSlug(method)}-${archSlug(a.label)}-${d}`,
    method,
    arch: a.label,
    dataset: d,
    status: 'trainable',
    paper,
    paperSource: paper ? PAPER_SOURCE : null,
    datasetFolder: DATASETS[d].folder,
    backbone: a.backbone,
    weightsFile: getBackboneEntry(a.backbone).weightsFile,
    embeddingDim: a.embeddingDim,
    loss,
    ...(own ?? seeRecipeRow(method, a, d, paper)),
  };
}

function pretrainedOnlyRow(method: string, a: ArchSpec, d: DatasetId): ExperimentRow {
  return {
    id: `${methodSlug(method)}-${archSlug(a.label)}-${d}`,
    method,
    arch: a.label,
    dataset: d,
    status: 'trainable',
    paper: paperRecall(method, a.label, d) ?? null,
    paperSource: PAPER_SOURCE,
    datasetFolder: DATASETS[d].folder,
    backbone: a.backbone,
    weightsFile: getBackboneEntry(a.backbone).weightsFile,
    embeddingDim: a.embeddingDim,
    evaluationOnly: true,
    notes: [
      `evaluation only: ${PRETRAINED_ONLY[method]}, L2-normalised, scored with the ${DATASETS[d].title} protocol (training mode evaluation_only, head l2_normalize); nothing trains`,
    ],
  };
}

function citedReason(method: string, arch: string): string {
  const loss = lossOfPaperMethod(method);
  if (loss) {
    return (
      `the kit has no ${arch} backbone for table rows (it has ${TRAINABLE_ARCHS.map((a) => a.label).join(', ')}); ` +
      `the loss itself trains on them: --set loss.name=${loss}`
    );
  }
  return CITED_REASON[method] ?? 'not implemented';
}

function buildRows(): ExperimentRow[] {
  const rows: ExperimentRow[] = [];
  for (const a of TRAINABLE_ARCHS) {
    for (const d of DATASET_IDS) {
      // every method of the table on this backbone that a registered loss trains (SEE, Hyp; NSoftmax, ProxyNCA++ on R^512)
      for (const t of PAPER_TABLE.filter((x) => x.arch === a.label)) {
        const loss = lossOfPaperMethod(t.method);
        if (loss) rows.push(trainableRow(t.method, a, d, loss, paperRecall(t.method, t.arch, d) ?? null));
      }
      if (!PAPER_TABLE.some((x) => x.arch === a.label && x.method === 'PA')) rows.push(trainableRow('PA', a, d, 'proxy_anchor', null));
      for (const t of PAPER_TABLE.filter((x) => x.arch === a.label && x.method in PRETRAINED_ONLY))
        rows.push(pretrainedOnlyRow(t.method, a, d));
    }
  }
  const trainable = new Set(rows.map((r) => `${r.method} ${r.arch}`));
  for (const t of PAPER_TABLE) {
    if (trainable.has(`${t.method} ${t.arch}`)) continue;
    for (const d of DATASET_IDS) {
      const paper = paperRecall(t.method, t.arch, d) ?? null;
      rows.push({
        id: `${methodSlug(t.method)}-${archSlug(t.arch)}-${d}`,
        method: t.method,
        arch: t.arch,
        dataset: d,
        status: 'cited',
        paper,
        paperSource: PAPER_SOURCE,
        datasetFolder: DATASETS[d].folder,
        notes: [`cited, not trained by the kit: ${citedReason(t.method, t.arch)}`],
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
    throw new Error(
      `unknown experiment row "${id}". Trainable rows:\n  ${trainable.join(' ')}\nCited rows (paper numbers only):\n  ${cited.join(' ')}`,
    );
  }
  return r;
}
