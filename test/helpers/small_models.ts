/**
 * Two small trainable networks written with raw tf ops and tf.variable, used to prove that a
 * backend can train the layer kinds of ResNet-50 and ViT-S/16, and to time a train step.
 *
 * - smallCnn: stride-2 convolutions with explicit asymmetric padding (a pad array, and tf.pad
 *   then 'valid'), batch norm in training mode that updates running statistics (used in eval
 *   mode), relu, 3x3/2 max pool, global average + max pooling, dense classifier.
 * - smallVit: patch-embedding convolution, class token, position embedding, two pre-norm blocks
 *   (fused qkv split by strided slices, softmax attention, exact GELU MLP), layer norm, head on
 *   the class token.
 * Each has `trainStep(x, labels)` running one Adam step through optimizer.minimize and returning
 * the loss as a number; no tensor outlives a step.
 */
import { tf } from '../../lib/tf';

export interface SmallModel {
  name: string;
  variables: tf.Variable[];
  /** non-trainable variables (batch-norm running statistics) */
  state: tf.Variable[];
  /** logits [B, numClasses]; `training` uses batch statistics and updates the running ones */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** one optimizer step on softmax cross entropy; resolves to the loss before the step */
  trainStep(x: tf.Tensor4D, labels: tf.Tensor1D): Promise<number>;
  dispose(): void;
}

export interface SmallModelOptions {
  /** input images are [B, imageSize, imageSize, 3] */
  imageSize: number;
  numClasses: number;
  seed?: number;
  learningRate?: number;
}

const EPS = 1e-5;

/** A trainable variable drawn from N(0, std) (zeros when std is 0), seeded per model and call. */
function makeVars(seed: number): (shape: number[], std: number) => tf.Variable {
  let k = 0;
  return (shape, std) =>
    tf.tidy(() => tf.variable(std === 0 ? tf.zeros(shape) : tf.randomNormal(shape, 0, std, 'float32', seed + 101 * k++)));
}

/** A variable holding `value` (freed from the initialiser tensor); `trainable` false for running statistics. */
function constVar(shape: number[], value: number, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill(shape, value), trainable));
}

function withTrainStep(
  name: string,
  variables: tf.Variable[],
  state: tf.Variable[],
  forward: SmallModel['forward'],
  lr: number,
): SmallModel {
  const optimizer = tf.train.adam(lr);
  const numClassesOf = (logits: tf.Tensor2D): number => logits.shape[1];
  return {
    name,
    variables,
    state,
    forward,
    async trainStep(x, labels) {
      const cost = optimizer.minimize(
        () => {
          const logits = forward(x, true); // [B, C]
          return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClassesOf(logits)), logits) as tf.Scalar;
        },
        true,
        variables,
      );
      if (cost == null) throw new Error(`${name}: optimizer.minimize returned no cost`);
      const [loss] = await cost.data();
      cost.dispose();
      return loss;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([...variables, ...state]);
    },
  };
}

/** Batch norm over [B, H, W]; in training mode also moves the running statistics (momentum 0.9). */
function batchNorm(
  x: tf.Tensor4D,
  g: tf.Variable,
  b: tf.Variable,
  runMean: tf.Variable,
  runVar: tf.Variable,
  training: boolean,
): tf.Tensor4D {
  if (!training) return tf.batchNorm(x, runMean, runVar, b, g, EPS) as tf.Tensor4D;
  const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C], [C]
  runMean.assign(tf.add(tf.mul(runMean, 0.9), tf.mul(mean, 0.1)));
  runVar.assign(tf.add(tf.mul(runVar, 0.9), tf.mul(variance, 0.1)));
  return tf.batchNorm(x, mean, variance, b, g, EPS) as tf.Tensor4D;
}

/** A 2-conv CNN with batch norm; 16x16 inputs give 8x8, 4x4 (max pool), 2x2 maps. */
export function smallCnn(opts: SmallModelOptions): SmallModel {
  const v = makeVars(opts.seed ?? 1);
  const c1 = 8;
  const c2 = 16;
  const w1 = v([3, 3, 3, c1], Math.sqrt(2 / 27));
  const g1 = constVar([c1], 1);
  const b1 = v([c1], 0);
  const w2 = v([3, 3, c1, c2], Math.sqrt(2 / (9 * c1)));
  const g2 = constVar([c2], 1);
  const b2 = v([c2], 0);
  const wd = v([2 * c2, opts.numClasses], Math.sqrt(1 / (2 * c2)));
  const bd = v([opts.numClasses], 0);
  const stats = [constVar([c1], 0, false), constVar([c1], 1, false), constVar([c2], 0, false), constVar([c2], 1, false)];
  const forward = (x: tf.Tensor4D, training: boolean): tf.Tensor2D =>
    tf.tidy(() => {
      let h = tf.conv2d(x, w1 as tf.Tensor4D, 2, [
        [0, 0],
        [1, 0],
        [1, 0],
        [0, 0],
      ]); // [B, S/2, S/2, c1]
      h = tf.relu(batchNorm(h, g1, b1, stats[0], stats[1], training));
      h = tf.maxPool(h, 3, 2, 'same'); // [B, S/4, S/4, c1]
      h = tf.conv2d(
        tf.pad(h, [
          [0, 0],
          [0, 1],
          [0, 1],
          [0, 0],
        ]),
        w2 as tf.Tensor4D,
        2,
        'valid',
      ); // [B, S/8, S/8, c2]
      h = tf.relu(batchNorm(h, g2, b2, stats[2], stats[3], training));
      const pooled = tf.concat([tf.mean(h, [1, 2]), tf.max(h, [1, 2])], 1); // [B, 2*c2]
      return tf.add(tf.matMul(pooled, wd as tf.Tensor2D), bd) as tf.Tensor2D; // [B, C]
    });
  return withTrainStep('smallCnn', [w1, g1, b1, w2, g2, b2, wd, bd], stats, forward, opts.learningRate ?? 0.01);
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
}

function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** A two-block ViT: patch 4, width 16, 2 heads, MLP ratio 2. */
export function smallVit(opts: SmallModelOptions): SmallModel {
  const v = makeVars(opts.seed ?? 2);
  const patch = 4;
  const d = 16;
  const heads = 2;
  const dh = d / heads;
  if (opts.imageSize % patch !== 0) throw new Error(`smallVit: imageSize ${opts.imageSize} is not a multiple of the patch size ${patch}`);
  const tokens = (opts.imageSize / patch) ** 2 + 1;
  const pw = v([patch, patch, 3, d], Math.sqrt(1 / (patch * patch * 3)));
  const pb = v([d], 0);
  const cls = v([1, 1, d], 0.02);
  const pos = v([1, tokens, d], 0.02);
  const blocks = [0, 1].map(() => ({
    ln1g: constVar([d], 1),
    ln1b: v([d], 0),
    qkv: v([d, 3 * d], Math.sqrt(1 / d)),
    qkvb: v([3 * d], 0),
    proj: v([d, d], Math.sqrt(1 / d)),
    projb: v([d], 0),
    ln2g: constVar([d], 1),
    ln2b: v([d], 0),
    fc1: v([d, 2 * d], Math.sqrt(1 / d)),
    fc1b: v([2 * d], 0),
    fc2: v([2 * d, d], Math.sqrt(1 / (2 * d))),
    fc2b: v([d], 0),
  }));
  const lng = constVar([d], 1);
  const lnb = v([d], 0);
  const head = v([d, opts.numClasses], Math.sqrt(1 / d));
  const headb = v([opts.numClasses], 0);
  const forward = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const b = x.shape[0];
      const t = tokens;
      const p = tf.add(tf.conv2d(x, pw as tf.Tensor4D, patch, 'valid'), pb); // [B, S/4, S/4, D]
      let h = tf.add(tf.concat([tf.tile(cls, [b, 1, 1]), tf.reshape(p, [b, t - 1, d])], 1), pos); // [B, T, D]
      for (const k of blocks) {
        const n1 = tf.reshape(layerNorm(h, k.ln1g, k.ln1b), [b * t, d]); // [B*T, D]
        const qkv = tf.transpose(tf.reshape(tf.add(tf.matMul(n1, k.qkv as tf.Tensor2D), k.qkvb), [b, t, 3, heads, dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
        const part = (i: number): tf.Tensor =>
          tf.stridedSlice(qkv, [i, 0, 0, 0, 0], [i + 1, b, heads, t, dh], [1, 1, 1, 1, 1], 0, 0, 0, 0, 1); // [B, H, T, dh]
        const attn = tf.softmax(tf.mul(tf.matMul(part(0), part(1), false, true), 1 / Math.sqrt(dh))); // [B, H, T, T]
        const ctx = tf.reshape(tf.transpose(tf.matMul(attn, part(2)), [0, 2, 1, 3]), [b * t, d]); // [B*T, D]
        h = tf.add(h, tf.reshape(tf.add(tf.matMul(ctx, k.proj as tf.Tensor2D), k.projb), [b, t, d]));
        const n2 = tf.reshape(layerNorm(h, k.ln2g, k.ln2b), [b * t, d]);
        const mlp = tf.add(tf.matMul(geluExact(tf.add(tf.matMul(n2, k.fc1 as tf.Tensor2D), k.fc1b)), k.fc2 as tf.Tensor2D), k.fc2b); // [B*T, D]
        h = tf.add(h, tf.reshape(mlp, [b, t, d]));
      }
      const clsOut = tf.reshape(tf.slice(layerNorm(h, lng, lnb), [0, 0, 0], [b, 1, d]), [b, d]); // [B, D]
      return tf.add(tf.matMul(clsOut, head as tf.Tensor2D), headb) as tf.Tensor2D; // [B, C]
    });
  const vars = [pw, pb, cls, pos, ...blocks.flatMap((k) => Object.values(k)), lng, lnb, head, headb];
  return withTrainStep('smallVit', vars, [], forward, opts.learningRate ?? 0.01);
}

/**
 * A tiny classification set: each class is a fixed random image pattern, each example that
 * pattern plus noise. Returns x [n, size, size, 3] and int32 labels [n] (class i % numClasses).
 */
export function syntheticClassification(n: number, size: number, numClasses: number, seed = 3): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  return tf.tidy(() => {
    const labels = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % numClasses),
      'int32',
    ); // [n]
    const patterns = tf.randomNormal([numClasses, size, size, 3], 0, 1, 'float32', seed); // [C, S, S, 3]
    const noise = tf.randomNormal([n, size, size, 3], 0, 0.5, 'float32', seed + 1); // [n, S, S, 3]
    const x = tf.add(tf.gather(patterns, labels), noise) as tf.Tensor4D; // [n, S, S, 3]
    return { x, labels };
  });
}
