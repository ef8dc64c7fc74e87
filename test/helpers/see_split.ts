/**
 * One SEE loss evaluation with gradients, in either form: `compute` (one gradient tape, the
 * expansion read synchronously) or the training step's `batchTerm` + `deferredTerm` (expansion
 * after the tape, read asynchronously). Embeddings [B, D] are a variable so that the gradient
 * reaching the network is compared too. Same seeds give the same expansion draws.
 */
import { tf } from '../../lib/tf';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { readToHost } from '../../lib/backend/host_values';
import { seededUniform } from '../backend/random';

export const B = 12;
export const D = 24;
export const C = 5;

let made = 0;

export interface SeeGrads {
  loss: number;
  dx: Float32Array;
  dp: Float32Array;
  numSynthetic: number;
}

export async function seeGrads(form: 'compute' | 'split'): Promise<SeeGrads> {
  const u = seededUniform(41);
  const x = tf.tidy(() => tf.variable(tf.tensor2d(u(B * D), [B, D]), true, `see_split_x_${made++}`)); // [B, D]
  const labels = tf.tensor1d(
    Array.from({ length: B }, (_, i) => i % C),
    'int32',
  );
  const loss = new SeeProxyAnchorLoss({ numClasses: C, embeddingDim: D, seed: 3, n: 6, plan: 1, threshold: 0.5 });
  try {
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    if (form === 'compute') {
      ({ value, grads } = tf.variableGrads(() => loss.compute(x, labels), [x, loss.proxies]));
    } else {
      await readToHost(labels);
      ({ value, grads } = tf.variableGrads(() => loss.batchTerm(x, labels), [x, loss.proxies]));
      const extra = await loss.deferredTerm();
      const dp = tf.add(grads[loss.proxies.name], extra.grads[loss.proxies.name]);
      const total = tf.add(value, extra.value) as tf.Scalar;
      tf.dispose([grads[loss.proxies.name], value, extra.value, ...Object.values(extra.grads)]);
      grads = { ...grads, [loss.proxies.name]: dp };
      value = total;
    }
    const [v, dx, dp] = await Promise.all([value.data(), grads[x.name].data(), grads[loss.proxies.name].data()]);
    tf.dispose([value, ...Object.values(grads)]);
    return { loss: v[0], dx: dx as Float32Array, dp: dp as Float32Array, numSynthetic: loss.lastStep!.numSynthetic };
  } finally {
    tf.dispose([x, labels]);
    loss.dispose();
  }
}
