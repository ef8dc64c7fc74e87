/**
 * Per-batch statistics for the notebooks (issue 3, point 4): embedding norms before
 * normalisation, cosine of each sample to its own proxy and to the nearest other proxy, how many
 * samples were expanded and how many synthetic points were made. Plain arrays, nothing to dispose.
 * Reads asynchronously (any backend).
 */
import { tf } from '../tf';
import { l2Normalize } from '../losses/l2_normalize';
import { assertRank2, readLabels } from './validation';
import { readToHost } from '../backend/host_values';

export interface BatchStatistics {
  /** [B] |x_i| of the raw embeddings */
  norms: Float32Array;
  /** [B] cos(x_i, p_{y_i}) */
  cosOwn: Float32Array;
  /** [B] max over c != y_i of cos(x_i, p_c); -Infinity with a single class */
  cosNearestOther: Float32Array;
  numExpanded: number;
  numSynthetic: number;
}

/** raw embeddings [B, D], labels [B], proxies [C, D]; `expanded` as returned by the expansion */
export async function batchStatistics(
  rawEmbeddings: tf.Tensor2D,
  labels: tf.Tensor1D,
  proxies: tf.Tensor2D,
  expansion?: { expanded: boolean[]; n: number },
): Promise<BatchStatistics> {
  const where = 'batchStatistics';
  const [b] = assertRank2(rawEmbeddings, 'embeddings', where);
  const [c] = assertRank2(proxies, 'proxies', where);
  await readToHost(labels);
  const lab = readLabels(labels, b, c, where);
  const [normsT, cosT] = tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(rawEmbeddings), 1)); // [B]
    const pnT = tf.transpose(l2Normalize(proxies)); // [D, C]
    return [norms, tf.matMul(l2Normalize(rawEmbeddings), pnT)]; // [B, C]
  });
  let norms: Float32Array;
  let cos: Float32Array;
  try {
    [norms, cos] = (await Promise.all([normsT.data(), cosT.data()])) as Float32Array[];
  } finally {
    tf.dispose([normsT, cosT]);
  }
  const cosOwn = new Float32Array(b);
  const cosNearestOther = new Float32Array(b).fill(-Infinity);
  for (let i = 0; i < b; i++) {
    cosOwn[i] = cos[i * c + lab[i]];
    for (let k = 0; k < c; k++) {
      if (k !== lab[i] && cos[i * c + k] > cosNearestOther[i]) cosNearestOther[i] = cos[i * c + k];
    }
  }
  const numExpanded = expansion ? expansion.expanded.filter(Boolean).length : 0;
  return { norms: Float32Array.from(norms), cosOwn, cosNearestOther, numExpanded, numSynthetic: numExpanded * (expansion?.n ?? 0) };
}
