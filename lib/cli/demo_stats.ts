/**
 * Embedding statistics for the demo report, on the unseen (test) classes: the norm of the
 * backbone features before the head's normalisation, and the angles between unit embeddings of
 * the same class and of different classes (a fixed, seeded sample of pairs).
 */
import { tf } from '../tf';
import type { BackboneEmbeddingModel } from '../backbones/model';
import { loadBatches } from '../data/loader';
import { sequentialBatches } from '../data/sampler';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';
import { Sfc32 } from '../random';

export interface EmbeddingStats {
  featureNorm: { mean: number; std: number; values: number[] };
  intraAngle: { mean: number; values: number[] }; // degrees
  interAngle: { mean: number; values: number[] };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

export async function embeddingStats(
  model: BackboneEmbeddingModel,
  samples: Sample[],
  spec: TransformSpec,
  pairs = 4000,
  seed = 0,
): Promise<EmbeddingStats> {
  const d = model.embeddingDim;
  const emb = new Float32Array(samples.length * d);
  const norms: number[] = [];
  let off = 0;
  for await (const b of loadBatches({ samples, batches: sequentialBatches(samples.length, 500), spec })) {
    const [z, n] = tf.tidy(() => {
      const f = model.features(b.images, false); // [B, F]
      return [model.head.apply(f), tf.norm(f, 2, 1)] as [tf.Tensor2D, tf.Tensor1D]; // [B, D], [B]
    });
    emb.set((await z.data()) as Float32Array, off);
    norms.push(...(await n.data()));
    off += b.indices.length * d;
    tf.dispose([z, n, b.images, b.labels]);
  }
  const byClass = new Map<number, number[]>();
  samples.forEach((s, i) => byClass.set(s.label, [...(byClass.get(s.label) ?? []), i]));
  const classes = [...byClass.values()].filter((m) => m.length > 1);
  const rng = new Sfc32(seed);
  const pick = (n: number): number => Math.floor(rng.next() * n);
  const angle = (i: number, j: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += emb[i * d + k] * emb[j * d + k];
    return (Math.acos(Math.max(-1, Math.min(1, s))) * 180) / Math.PI;
  };
  const intra: number[] = [];
  const inter: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const m = classes[pick(classes.length)];
    const i = m[pick(m.length)];
    let j = m[pick(m.length)];
    if (j === i) j = m[(m.indexOf(i) + 1) % m.length];
    intra.push(angle(i, j));
    const a = pick(samples.length);
    let b = pick(samples.length);
    while (samples[b].label === samples[a].label) b = pick(samples.length);
    inter.push(angle(a, b));
  }
  const nm = mean(norms);
  const sd = Math.sqrt(mean(norms.map((x) => (x - nm) ** 2)));
  return {
    featureNorm: { mean: nm, std: sd, values: norms },
    intraAngle: { mean: mean(intra), values: intra },
    interAngle: { mean: mean(inter), values: inter },
  };
}
