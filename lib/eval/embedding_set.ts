/**
 * Embedding sets for evaluation: row-major float32 [N, D] plus int32 labels [N], checked and
 * (defensively) normalised so that a dot product is the cosine similarity.
 *
 * Provenance: the official SEE / Proxy-Anchor evaluation L2-normalises embeddings before the
 * cosine kNN (Proxy-Anchor `utils.py`, `l2_norm`); this file only adds the checks.
 */
import { tf } from '../tf';
import { hostValues } from '../backend/host_values';

/** embeddings [N, D] row-major, labels [N] int32 */
export interface EmbeddingSet {
  embeddings: Float32Array;
  labels: Int32Array;
  dim: number;
}

/** What the evaluators accept: typed arrays, plain number arrays for labels, or tensors. */
export interface EmbeddingInput {
  embeddings: Float32Array | tf.Tensor2D;
  labels: Int32Array | ArrayLike<number> | tf.Tensor1D;
  /** required when `embeddings` is a Float32Array */
  dim?: number;
}

/**
 * `auto` (default): rows whose norm differs from 1 by more than 1e-4 are normalised (on a copy);
 * `always`: every row is normalised; `never`: rows are used as given (dot product, not cosine).
 */
export type NormalizeMode = 'auto' | 'always' | 'never';

export interface PreparedSet extends EmbeddingSet {
  count: number;
  /** largest row norm after preparation (bounds the float32 GEMM error) */
  maxNorm: number;
  /** true when a normalised copy was made */
  normalized: boolean;
}

function toFloat32(x: Float32Array | tf.Tensor2D, dim: number | undefined, what: string): { data: Float32Array; dim: number } {
  if (x instanceof Float32Array) {
    if (dim === undefined || !Number.isInteger(dim) || dim <= 0) {
      throw new Error(`${what}: embeddings are a Float32Array, so \`dim\` must be a positive integer (got ${dim})`);
    }
    if (x.length % dim !== 0) throw new Error(`${what}: embeddings length ${x.length} is not a multiple of dim ${dim}`);
    return { data: x, dim };
  }
  if (x.rank !== 2) throw new Error(`${what}: embeddings tensor must be rank 2 [N, D], got shape [${x.shape}]`);
  return { data: hostValues(x, what) as Float32Array, dim: x.shape[1] };
}

function toInt32(y: Int32Array | ArrayLike<number> | tf.Tensor1D, what: string): Int32Array {
  const values: ArrayLike<number> = y instanceof tf.Tensor ? hostValues(y, what) : y;
  if (y instanceof Int32Array) return y;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new Error(`${what}: label ${i} is ${v}, expected an integer`);
    out[i] = v;
  }
  return out;
}

/** The input with its tensors read to the host asynchronously (any backend; evaluate does this). */
export async function readEmbeddingInput(input: EmbeddingInput, what = 'embeddings'): Promise<EmbeddingInput> {
  const { embeddings, labels } = input;
  if (embeddings instanceof tf.Tensor && embeddings.rank !== 2) {
    throw new Error(`${what}: embeddings tensor must be rank 2 [N, D], got shape [${embeddings.shape}]`);
  }
  return {
    embeddings: embeddings instanceof tf.Tensor ? ((await embeddings.data()) as Float32Array) : embeddings,
    labels: labels instanceof tf.Tensor ? Array.from(await labels.data()) : labels,
    dim: embeddings instanceof tf.Tensor ? embeddings.shape[1] : input.dim,
  };
}

/**
 * Checks lengths, NaN/Inf and zero rows; normalises per `mode`. Never modifies the caller's arrays.
 * Tensors are read synchronously (cpu, wasm); evaluate reads them asynchronously first.
 */
export function prepareSet(input: EmbeddingInput, mode: NormalizeMode = 'auto', what = 'embeddings'): PreparedSet {
  const { data, dim } = toFloat32(input.embeddings, input.dim, what);
  const labels = toInt32(input.labels, what);
  const count = data.length / dim;
  if (labels.length !== count) {
    throw new Error(`${what}: ${count} embedding rows but ${labels.length} labels; they must be the same length`);
  }
  if (count === 0) throw new Error(`${what}: the set is empty`);
  const norms = new Float64Array(count);
  let needs = mode === 'always';
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let k = i * dim, e = k + dim; k < e; k++) s += data[k] * data[k];
    if (!Number.isFinite(s)) {
      throw new Error(`${what}: row ${i} contains NaN or Infinity; embeddings must be finite`);
    }
    if (s === 0 && mode !== 'never') throw new Error(`${what}: row ${i} is all zeros; its cosine similarity is undefined`);
    norms[i] = Math.sqrt(s);
    if (mode === 'auto' && Math.abs(norms[i] - 1) > 1e-4) needs = true;
  }
  if (!needs) {
    let maxNorm = 0;
    for (let i = 0; i < count; i++) maxNorm = Math.max(maxNorm, norms[i]);
    return { embeddings: data, labels, dim, count, maxNorm, normalized: false };
  }
  const out = new Float32Array(data.length);
  let maxNorm = 0;
  for (let i = 0; i < count; i++) {
    const inv = 1 / norms[i];
    let s = 0;
    for (let k = i * dim, e = k + dim; k < e; k++) {
      out[k] = data[k] * inv;
      s += out[k] * out[k];
    }
    maxNorm = Math.max(maxNorm, Math.sqrt(s));
  }
  return { embeddings: out, labels, dim, count, maxNorm, normalized: true };
}
