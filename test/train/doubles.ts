/**
 * Test doubles for the training loop: a tiny MLP EmbeddingModel on small "images", a tiny proxy
 * loss (normalised-softmax over proxies, written here), synthetic class-clustered data and a
 * plain-loop Recall@K evaluator. All seeded.
 */
import { tf } from '../../lib/tf';
import type { EmbeddingModel, MetricLoss } from '../../lib/types';
import type { Batch, BatchSource, EvalMetrics, Evaluator } from '../../lib/train/contracts';
import { Sfc32 } from '../../lib/random';

export const IMG = 4; // images [B, 4, 4, 3]
const IN = IMG * IMG * 3;

export class TinyMlp implements EmbeddingModel {
  readonly embeddingDim: number;
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly w2: tf.Variable;
  readonly b2: tf.Variable;

  constructor(seed: number, hidden = 16, dim = 8) {
    this.embeddingDim = dim;
    this.w1 = tf.variable(tf.randomNormal([IN, hidden], 0, 0.3, 'float32', seed));
    this.b1 = tf.variable(tf.zeros([hidden]));
    this.w2 = tf.variable(tf.randomNormal([hidden, dim], 0, 0.3, 'float32', seed + 1));
    this.b2 = tf.variable(tf.zeros([dim]));
  }

  embed(images: tf.Tensor4D, _training: boolean): tf.Tensor2D {
    void _training;
    return tf.tidy(() => {
      const x = tf.reshape(images, [images.shape[0], IN]) as tf.Tensor2D; // [B, IN]
      const h = tf.relu(tf.add(tf.matMul(x, this.w1), this.b1)); // [B, hidden]
      const z = tf.add(tf.matMul(h, this.w2), this.b2); // [B, D]
      return tf.div(z, tf.norm(z, 2, 1, true)) as tf.Tensor2D; // [B, D]
    });
  }

  variableGroups(): { backbone: tf.Variable[]; head: tf.Variable[] } {
    return { backbone: [this.w1, this.b1], head: [this.w2, this.b2] };
  }

  namedWeights(): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([
      ['w1', this.w1],
      ['b1', this.b1],
      ['w2', this.w2],
      ['b2', this.b2],
    ]);
  }

  dispose(): void {
    tf.dispose([this.w1, this.b1, this.w2, this.b2]);
  }
}

/** Normalised softmax over scaled cosine to proxies; epoch hook and stats for the loop's duck typing. */
export class TinyProxyLoss implements MetricLoss {
  readonly name = 'tiny-proxy';
  readonly proxies: tf.Variable;
  readonly epochsSeen: number[] = [];
  poison = false;
  /** random state of its own (like SEE's expansion draws): jitters the logit scale each step */
  private readonly rng: Sfc32;

  constructor(numClasses: number, dim: number, seed: number) {
    this.proxies = tf.variable(tf.randomNormal([numClasses, dim], 0, 1, 'float32', seed));
    this.rng = new Sfc32(seed + 1000);
  }

  getRandomState(): number[] {
    return this.rng.getState();
  }

  setRandomState(state: readonly number[]): void {
    this.rng.setState(state);
  }

  get trainableVariables(): tf.Variable[] {
    return [this.proxies];
  }

  compute(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const p = tf.div(this.proxies, tf.norm(this.proxies, 2, 1, true)); // [C, D]
      const logits = tf.mul(tf.matMul(embeddings, p, false, true), 6 + 4 * this.rng.next()); // [B, C]
      const onehot = tf.oneHot(tf.cast(labels, 'int32'), this.proxies.shape[0]); // [B, C]
      const l = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      return this.poison ? (tf.mul(l, NaN) as tf.Scalar) : l;
    });
  }

  setEpoch(epoch: number): void {
    this.epochsSeen.push(epoch);
  }

  lastStats(): Record<string, number> {
    return { expansionRate: this.epochsSeen.length };
  }

  dispose(): void {
    this.proxies.dispose();
  }
}

/** Class-clustered vectors: class c has a fixed random centre; samples add noise. */
export class SyntheticData {
  readonly centres: Float32Array[];

  constructor(
    readonly numClasses: number,
    seed: number,
    readonly noise = 0.6,
  ) {
    const rng = new Sfc32(seed);
    this.centres = Array.from({ length: numClasses }, () => Float32Array.from({ length: IN }, () => gauss(rng)));
  }

  sample(label: number, rng: Sfc32): Float32Array {
    const c = this.centres[label];
    return Float32Array.from(c, (v) => v + this.noise * gauss(rng));
  }

  /** a fixed labelled set from classes [from, to) */
  fixedSet(from: number, to: number, perClass: number, seed: number): { x: Float32Array[]; y: number[] } {
    const rng = new Sfc32(seed);
    const x: Float32Array[] = [];
    const y: number[] = [];
    for (let c = from; c < to; c++)
      for (let k = 0; k < perClass; k++) {
        x.push(this.sample(c, rng));
        y.push(c);
      }
    return { x, y };
  }
}

export function gauss(rng: Sfc32): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Batches of `classesPerBatch` classes x 2 images from the training classes [0, trainClasses). */
export class SyntheticSource implements BatchSource {
  constructor(
    readonly data: SyntheticData,
    readonly trainClasses: number,
    readonly itersPerEpoch: number,
    readonly classesPerBatch = 4,
    readonly failAt?: { epoch: number; step: number },
  ) {}

  *epoch(epoch: number, seed: number, fromStep = 0): Iterable<Batch> {
    const rng = new Sfc32(seed);
    for (let s = 0; s < this.itersPerEpoch; s++) {
      if (this.failAt && this.failAt.epoch === epoch && this.failAt.step === s) throw new Error('simulated kill');
      const xs: number[] = [];
      const ys: number[] = [];
      for (let k = 0; k < this.classesPerBatch; k++) {
        const c = Math.floor(rng.next() * this.trainClasses);
        for (let j = 0; j < 2; j++) {
          xs.push(...this.data.sample(c, rng));
          ys.push(c);
        }
      }
      if (s < fromStep) continue; // drawn as before, so later batches are the same
      yield {
        images: tf.tensor4d(xs, [ys.length, IMG, IMG, 3]),
        labels: tf.tensor1d(ys, 'int32'),
      };
    }
  }
}

/** Recall@K by plain loops over cosine similarities (self excluded). */
export function recallAtK(emb: Float32Array[], labels: number[], ks: number[]): Record<string, number> {
  const n = emb.length;
  const hits = ks.map(() => 0);
  for (let i = 0; i < n; i++) {
    const sims: { s: number; j: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let d = 0; d < emb[i].length; d++) s += emb[i][d] * emb[j][d];
      sims.push({ s, j });
    }
    sims.sort((a, b) => b.s - a.s);
    ks.forEach((k, ki) => {
      if (sims.slice(0, k).some((e) => labels[e.j] === labels[i])) hits[ki] += 1;
    });
  }
  return Object.fromEntries(ks.map((k, ki) => [String(k), hits[ki] / n]));
}

export function makeEvaluator(set: { x: Float32Array[]; y: number[] }, ks = [1, 2, 4, 8]): Evaluator {
  return async (model): Promise<EvalMetrics> => {
    const flat = new Float32Array(set.x.length * IN);
    set.x.forEach((v, i) => flat.set(v, i * IN));
    const z = tf.tidy(() => model.embed(tf.tensor4d(flat, [set.x.length, IMG, IMG, 3]), false)); // [N, D]
    const data = (await z.data()) as Float32Array;
    z.dispose();
    const d = model.embeddingDim;
    const emb = set.x.map((_, i) => data.slice(i * d, (i + 1) * d));
    return { recallAtK: recallAtK(emb, set.y, ks) };
  };
}
