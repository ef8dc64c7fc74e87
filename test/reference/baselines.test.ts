/**
 * Parity of two baseline losses with the official SEE code (baselines.json): Multi-Similarity
 * (official `MSLoss_Angle`) and Normalized Softmax (official `Norm_SoftMax`), loss values and
 * gradients, on every case of $REFERENCE_FIXTURES/baselines.json, on cpu and wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { MultiSimilarityLoss } from '../../lib/losses/multi_similarity';
import { NormalizedSoftmaxLoss } from '../../lib/losses/normalized_softmax';
import type { MetricLoss } from '../../lib/types';
import { closeTo, readReference, reportParity } from './fixtures';
import { firstMismatch, gradCloseTo } from './see_case';

interface BaselineCase {
  loss: string;
  x: number[][];
  y: number[];
  alpha: number;
  beta?: number;
  base?: number;
  proxies?: number[][];
  out: { loss: number; grad_x: number[][]; grad_proxies?: number[][] };
}

/** The kit's loss for a case, its proxies set to the case's when it has them. */
function lossOf(c: BaselineCase, where: string): MetricLoss {
  const [numClasses, embeddingDim] = [c.proxies?.length ?? 0, c.x[0]?.length ?? 0];
  if (c.loss === 'multi_similarity') return new MultiSimilarityLoss({ alpha: c.alpha, beta: c.beta, base: c.base });
  if (c.loss === 'normalized_softmax') {
    if (!c.proxies) throw new Error(`${where}: a normalized_softmax case needs "proxies"`);
    const loss = new NormalizedSoftmaxLoss({ numClasses, embeddingDim, alpha: c.alpha });
    tf.tidy(() => loss.proxies.assign(tf.tensor2d(c.proxies!)));
    return loss;
  }
  throw new Error(`${where}: loss "${c.loss}", expected multi_similarity or normalized_softmax`);
}

function checkGrad(got: tf.Tensor, expected: number[][], what: string): void {
  const flat = expected.flat();
  const values = got.dataSync();
  const i = firstMismatch(values, flat, gradCloseTo(flat, closeTo));
  assert.equal(i, -1, `${what} differs at ${i}: ${values[i]} vs ${flat[i]}`);
}

function checkCase(c: BaselineCase, k: number): void {
  const where = `baselines.json case ${k} (${c.loss})`;
  const loss = lossOf(c, where);
  const x = tf.tidy(() => tf.variable(tf.tensor2d(c.x)));
  const y = tf.tensor1d(c.y, 'int32');
  const { value, grads } = tf.variableGrads(() => loss.compute(x, y), [x, ...loss.trainableVariables]);
  const v = value.dataSync()[0];
  assert.ok(closeTo(v, c.out.loss), `${where}: loss ${v} vs ${c.out.loss}`);
  checkGrad(grads[x.name], c.out.grad_x, `${where}: grad_x`);
  const proxies = loss.trainableVariables[0];
  if (c.out.grad_proxies) checkGrad(grads[proxies.name], c.out.grad_proxies, `${where}: grad_proxies`);
  tf.dispose([value, x, y, ...Object.values(grads)]);
  loss.dispose();
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`Multi-Similarity and Normalized Softmax match the official code on every baselines.json case (${backend})`, async () => {
    await initBackend(backend, { quiet: true });
    const cases = readReference<BaselineCase[]>('baselines.json');
    assert.ok(Array.isArray(cases), 'baselines.json must be a list of cases');
    const before = tf.memory().numTensors;
    cases.forEach((c, k) => checkCase(c, k));
    assert.equal(tf.memory().numTensors, before, 'baseline parity leaked tensors');
    reportParity('baselines.json', cases.length);
  });
}
