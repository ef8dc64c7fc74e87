/**
 * The op sequences of ResNet-50 and ViT-S/16 (forward and loss), in miniature, for the wasm
 * kernel audit: every kind of op the real backbones and the SEE losses use, on tiny shapes.
 *
 * ResNet-50 (timm resnet50.tv_in1k): 7x7/2 stem conv (TF-style asymmetric pad via tf.pad then
 * 'valid', and an explicit pad array), batch norm in training mode (batch moments) and frozen
 * (running stats), relu, 3x3/2 max pool with padding, bottleneck (1x1, 3x3/2, 1x1) with a
 * 1x1/2 downsample, avg pool, global average + max pooling, concat, dense.
 * ViT-S/16 (timm vit_small_patch16_224): patch conv (kernel = stride), class token, position
 * embedding, pre-norm attention with fused qkv split by strided slices, softmax, batch matmul,
 * exact GELU via erf, layer norm, class-token pick by slice and by gather.
 * Loss: l2-normalised embeddings against proxies gathered by label (gather's gradient is
 * UnsortedSegmentSum), log-sum-exp, softmax cross entropy.
 */
import { tf } from '../../lib/tf';

export interface AuditNet {
  name: string;
  /** shapes of the trainable parameters, in the order `loss` takes them */
  paramShapes: number[][];
  inputShape: number[];
  numClasses: number;
  loss(params: tf.Tensor[], x: tf.Tensor, labels: tf.Tensor1D): tf.Scalar;
}

const EPS = 1e-5;

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS))), g), b);
}

function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

function batchNormTrain(x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, b, g, EPS) as tf.Tensor4D;
}

/** Proxy loss on l2-normalised embeddings, with the true-class proxy gathered by label. */
function proxyLoss(emb: tf.Tensor2D, proxies: tf.Tensor, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  const e = tf.div(emb, tf.sqrt(tf.sum(tf.square(emb), 1, true))); // [B, D]
  const p = tf.div(proxies, tf.norm(proxies, 'euclidean', 1, true)); // [C, D]
  const sim = tf.matMul(e, p, false, true); // [B, C]
  const pos = tf.sum(tf.mul(e, tf.gather(p, labels)), 1); // [B]
  const lse = tf.logSumExp(tf.mul(sim, 8), 1); // [B]
  const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), tf.mul(sim, 8));
  return tf.add(tf.mean(tf.sub(lse, tf.mul(pos, 8))), ce) as tf.Scalar;
}

export const resnetAudit: AuditNet = {
  name: 'ResNet-50 ops',
  inputShape: [2, 18, 18, 3],
  numClasses: 5,
  paramShapes: [
    [7, 7, 3, 8],
    [8],
    [8], // stem conv, bn (training)
    [1, 1, 8, 4],
    [3, 3, 4, 4],
    [1, 1, 4, 16],
    [1, 1, 8, 16], // bottleneck convs + downsample
    [4],
    [4],
    [16],
    [16], // frozen-bn scale/offset of conv2 and conv3
    [3, 3, 16, 8], // explicit-pad conv after the block
    [16, 6],
    [6],
    [5, 6], // dense, proxies
  ],
  loss(params, x, labels) {
    const [stemW, bnG, bnB, c1, c2, c3, down, g2, b2, g3, b3, c4, dW, dB, proxies] = params;
    const padded = tf.pad(x as tf.Tensor4D, [
      [0, 0],
      [3, 2],
      [3, 2],
      [0, 0],
    ]); // TF-same, asymmetric
    let h = tf.conv2d(padded, stemW as tf.Tensor4D, 2, 'valid'); // [B, 9, 9, 8]
    h = tf.relu(batchNormTrain(h, bnG, bnB));
    h = tf.maxPool(h, 3, 2, 1); // [B, 5, 5, 8] (timm: MaxPool2d(3, 2, padding=1))
    const frozenMean = tf.linspace(-0.1, 0.1, 4);
    const frozenVar = tf.linspace(0.5, 1.5, 4);
    let y = tf.relu(tf.conv2d(h, c1 as tf.Tensor4D, 1, 'same')); // [B, 5, 5, 4]
    y = tf.conv2d(y, c2 as tf.Tensor4D, 2, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]); // [B, 3, 3, 4]
    y = tf.relu(tf.batchNorm(y, frozenMean, frozenVar, b2, g2, EPS)) as tf.Tensor4D;
    y = tf.conv2d(y, c3 as tf.Tensor4D, 1, 'valid'); // [B, 3, 3, 16]
    y = tf.batchNorm(y, tf.linspace(-0.2, 0.2, 16), tf.linspace(0.8, 1.2, 16), b3, g3, EPS) as tf.Tensor4D;
    const shortcut = tf.conv2d(h, down as tf.Tensor4D, 2, 'valid'); // [B, 3, 3, 16]
    h = tf.relu(tf.add(y, shortcut)) as tf.Tensor4D;
    const wide = tf.conv2d(h, c4 as tf.Tensor4D, 1, [
      [0, 0],
      [0, 1],
      [1, 0],
      [0, 0],
    ]); // [B, 3, 3, 8]
    const pooled = tf.avgPool(tf.relu(wide), 2, 1, 'valid'); // [B, 2, 2, 8]
    const gap = tf.mean(pooled, [1, 2]); // [B, 8]
    const gmp = tf.max(pooled, [1, 2]); // [B, 8]
    const feat = tf.concat([gap, gmp], 1); // [B, 16]
    const emb = tf.add(tf.matMul(feat, dW as tf.Tensor2D), dB) as tf.Tensor2D; // [B, 6]
    return proxyLoss(emb, proxies, labels, 5);
  },
};

const D = 8;
const HEADS = 2;
const T = 5; // 4 patches + class token

export const vitAudit: AuditNet = {
  name: 'ViT-S/16 ops',
  inputShape: [2, 8, 8, 3],
  numClasses: 4,
  paramShapes: [
    [4, 4, 3, D],
    [D],
    [1, 1, D],
    [1, T, D], // patch conv, bias, class token, pos emb
    [D],
    [D],
    [D, 3 * D],
    [3 * D],
    [D, D],
    [D], // ln1, qkv, proj
    [D],
    [D],
    [D, 2 * D],
    [2 * D],
    [2 * D, D],
    [D], // ln2, mlp
    [D],
    [D],
    [4, D], // final ln, proxies
  ],
  loss(params, x, labels) {
    const [pw, pb, cls, pos, l1g, l1b, qkvW, qkvB, projW, projB, l2g, l2b, m1, m1b, m2, m2b, lng, lnb, proxies] = params;
    const b = x.shape[0];
    const patches = tf.add(tf.conv2d(x as tf.Tensor4D, pw as tf.Tensor4D, 4, 'valid'), pb); // [B, 2, 2, D]
    const tokens = tf.reshape(patches, [b, T - 1, D]); // [B, 4, D]
    let h = tf.add(tf.concat([tf.tile(cls, [b, 1, 1]), tokens], 1), pos); // [B, T, D]
    const n1 = layerNorm(h, l1g, l1b);
    const qkv = tf.add(tf.matMul(tf.reshape(n1, [b * T, D]), qkvW as tf.Tensor2D), qkvB); // [B*T, 3D]
    const heads = tf.transpose(tf.reshape(qkv, [b, T, 3, HEADS, D / HEADS]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
    const part = (i: number): tf.Tensor =>
      tf.squeeze(tf.stridedSlice(heads, [i, 0, 0, 0, 0], [i + 1, b, HEADS, T, D / HEADS], [1, 1, 1, 1, 1]), [0]);
    const [q, k, v] = [part(0), part(1), part(2)]; // [B, H, T, dh]
    const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D / HEADS))); // [B, H, T, T]
    const ctx = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b * T, D]); // [B*T, D]
    h = tf.add(h, tf.reshape(tf.add(tf.matMul(ctx, projW as tf.Tensor2D), projB), [b, T, D]));
    const n2 = tf.reshape(layerNorm(h, l2g, l2b), [b * T, D]);
    const mlp = tf.add(tf.matMul(geluExact(tf.add(tf.matMul(n2, m1 as tf.Tensor2D), m1b)), m2 as tf.Tensor2D), m2b); // [B*T, D]
    h = layerNorm(tf.add(h, tf.reshape(mlp, [b, T, D])), lng, lnb); // [B, T, D]
    const clsBySlice = tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, D]), [b, D]); // [B, D]
    const clsByGather = tf.reshape(tf.gather(h, tf.tensor1d([0], 'int32'), 1), [b, D]); // [B, D]
    const meanTokens = tf.mean(tf.stridedSlice(h, [0, 1, 0], [b, T, D], [1, 2, 1]), 1); // [B, D] every other patch
    const emb = tf.add(tf.add(clsBySlice, clsByGather), meanTokens) as tf.Tensor2D;
    return proxyLoss(emb, proxies, labels, 4);
  },
};
