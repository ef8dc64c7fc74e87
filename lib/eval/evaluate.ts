/**
 * The one entry point of the evaluators: embeddings and labels (one labelled set) or query and
 * gallery sets, a protocol, and back every metric the protocol names.
 *
 * Rules (each tested in test/eval/):
 * - Similarity is cosine: rows are normalised when their norm is off 1 by more than 1e-4 (a copy);
 *   with a Poincare `geometry`, minus the Poincare distance of the points as given.
 * - Ties: a reference counts against a query only when STRICTLY more similar than the same-label
 *   item it is compared with, in exact float64 arithmetic on the float32 embeddings (exact_dot.ts).
 * - One labelled set: the query itself is excluded by index. Query/gallery: nothing is excluded,
 *   unless `officialInshopMask` (the official SEE code hides gallery item i from query i).
 * - A query with no same-label reference: a miss at every K (kept in the denominator); left out of
 *   MAP@R / R-Precision; `noPositive: 'error'` makes it an error instead.
 * - K larger than the references a query has (N - 1, or the gallery size): an error.
 * - Different lengths, NaN/Infinity or all-zero rows, different dims of query and gallery: errors.
 */
import { prepareSet, readEmbeddingInput, type EmbeddingInput, type NormalizeMode, type PreparedSet } from './embedding_set';
import { gemmErrorBound } from './exact_dot';
import { buildThresholds } from './thresholds';
import { countAbove, type BlockOptions } from './knn_blocks';
import { recallFromCounts, type RecallAtK } from './recall_at_k';
import { mapAtRFromCounts } from './map_at_r';
import { kmeans, type KMeansOptions } from './kmeans';
import { nmi } from './nmi';
import { stderrProgress, type ProgressCallback } from './progress';
import { PROTOCOLS, type Metric, type Protocol, type ProtocolName } from './protocols';
import { liftQueries, liftReferences } from './poincare_lift';
import type { EmbeddingGeometry } from '../hyperbolic/poincare';

export interface QueryGallery {
  query: EmbeddingInput;
  gallery: EmbeddingInput;
}

export interface EvaluateOptions extends Omit<BlockOptions, 'onProgress'> {
  /** overrides the protocol's metrics */
  metrics?: Metric[];
  /** overrides the protocol's K list */
  ks?: number[];
  normalize?: NormalizeMode;
  /** official SEE In-Shop quirk: gallery item i is hidden from query i (query/gallery only) */
  officialInshopMask?: boolean;
  /**
   * how neighbours are ranked: 'sphere' (default) by cosine; a Poincare ball of curvature c by
   * the Poincare distance of the points as given (hyp_metric's evaluation; poincare_lift.ts)
   */
  geometry?: EmbeddingGeometry;
  /** what a query with no same-label reference does: 'miss' (default) or 'error' */
  noPositive?: 'miss' | 'error';
  /** false: silent; default: a line on stderr at most every 5 s for evaluations that long */
  onProgress?: ProgressCallback | false;
  kmeans?: KMeansOptions;
}

export interface EvalResult {
  protocol: string;
  recall?: RecallAtK[];
  mapAtR?: number;
  rPrecision?: number;
  nmi?: number;
  queries: number;
  references: number;
  /** queries with no same-label reference */
  queriesWithoutPositive: number;
  seconds: number;
}

function isQueryGallery(d: EmbeddingInput | QueryGallery): d is QueryGallery {
  return 'query' in d && 'gallery' in d;
}

/** Each K must be a positive integer no larger than the references a query is ranked against. */
export function checkKs(ks: number[], available: number, where = 'evaluate'): void {
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`${where}: K = ${k} is not a positive integer`);
    if (k > available) {
      throw new Error(`${where}: K = ${k} is larger than the ${available} references each query is ranked against`);
    }
  }
}

export async function evaluate(
  data: EmbeddingInput | QueryGallery,
  protocol: Protocol | ProtocolName,
  options: EvaluateOptions = {},
): Promise<EvalResult> {
  const started = Date.now();
  const proto: Protocol = typeof protocol === 'string' ? PROTOCOLS[protocol] : protocol;
  if (!proto) throw new Error(`evaluate: unknown protocol "${String(protocol)}"; expected one of ${Object.keys(PROTOCOLS).join(', ')}`);
  const metrics = new Set(options.metrics ?? proto.metrics);
  const ks = options.ks ?? proto.ks;
  const mode = options.normalize ?? 'auto';
  const qg = isQueryGallery(data);
  if (qg !== proto.queryGallery) {
    throw new Error(`evaluate: protocol ${proto.name} expects ${proto.queryGallery ? '{ query, gallery }' : 'one labelled set'}`);
  }
  const ball = options.geometry?.kind === 'poincare' ? options.geometry.c : undefined;
  if (ball !== undefined && metrics.has('nmi'))
    throw new Error('evaluate: NMI (k-means) is not defined for Poincare ranking; ask for recall or MAP@R');
  if (ball !== undefined && options.normalize !== undefined)
    throw new Error('evaluate: `normalize` applies to cosine ranking; Poincare ranking uses the ball points as they are');
  let q: PreparedSet;
  let g: PreparedSet;
  if (qg) {
    q = prepareSet(await readEmbeddingInput(data.query, 'query'), ball === undefined ? mode : 'never', 'query');
    g = prepareSet(await readEmbeddingInput(data.gallery, 'gallery'), ball === undefined ? mode : 'never', 'gallery');
    if (q.dim !== g.dim) throw new Error(`evaluate: query dim ${q.dim} differs from gallery dim ${g.dim}`);
    if (metrics.has('nmi')) throw new Error('evaluate: NMI is defined on one labelled set, not on query/gallery');
  } else {
    q = g = prepareSet(await readEmbeddingInput(data), ball === undefined ? mode : 'never', 'embeddings');
  }
  if (ball !== undefined) {
    // nearest by Poincare distance = largest dot product of lifted rows (poincare_lift.ts); not symmetric
    q = prepareSet(liftQueries(q, ball, qg ? 'query' : 'embeddings'), 'never', 'query');
    g = prepareSet(liftReferences(g, ball, qg ? 'gallery' : 'embeddings'), 'never', 'gallery');
  }
  if (options.officialInshopMask && !qg) throw new Error('evaluate: officialInshopMask applies to query/gallery protocols only');
  /** query i and reference i are the same item (one labelled set), or hidden from each other (the official In-Shop quirk) */
  const selfIndex = !qg || options.officialInshopMask === true;
  const wantRecall = metrics.has('recall');
  const wantMap = metrics.has('mapAtR') || metrics.has('rPrecision');
  if (wantRecall) checkKs(ks, qg ? g.count : g.count - 1);

  const result: EvalResult = { protocol: proto.name, queries: q.count, references: g.count, queriesWithoutPositive: 0, seconds: 0 };
  if (wantRecall || wantMap) {
    const tables = buildThresholds(q.embeddings, q.labels, g.embeddings, g.labels, q.dim, {
      maxK: wantRecall ? Math.max(...ks) : 0,
      allPositives: wantMap,
      selfIndex,
    });
    for (let i = 0; i < q.count; i++) {
      if (tables.positives[i] > 0) continue;
      result.queriesWithoutPositive++;
      if (options.noPositive === 'error') {
        throw new Error(`evaluate: query ${i} (label ${q.labels[i]}) has no same-label reference`);
      }
    }
    const onProgress = options.onProgress === false ? undefined : (options.onProgress ?? stderrProgress());
    const counts = await countAbove(
      {
        q: q.embeddings,
        qLabels: q.labels,
        g: g.embeddings,
        gLabels: g.labels,
        dim: q.dim,
        offsets: tables.offsets,
        sims: tables.sims,
        caps: tables.caps,
        eps: gemmErrorBound(q.dim, q.maxNorm, g.maxNorm),
        maskSameIndex: options.officialInshopMask === true,
      },
      !qg && ball === undefined, // the lifted score is not symmetric: every block is computed
      { workers: options.workers, kernel: options.kernel, blockSize: options.blockSize, onProgress },
    );
    if (wantRecall) result.recall = recallFromCounts(tables, counts, ks);
    if (wantMap) {
      const m = mapAtRFromCounts(tables, counts);
      if (metrics.has('mapAtR')) result.mapAtR = m.mapAtR;
      if (metrics.has('rPrecision')) result.rPrecision = m.rPrecision;
    }
  }
  if (metrics.has('nmi')) {
    const classes = new Set(q.labels).size;
    const km = kmeans(q.embeddings, q.dim, classes, options.kmeans);
    result.nmi = nmi(q.labels, km.assignment);
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
