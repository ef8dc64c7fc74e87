/** Shared test driver: a loss against its loop version (value) and finite differences (gradients). */
import assert from 'node:assert/strict';
import { tf } from '../../lib/tf';
import type { MetricLoss } from '../../lib/types';
import { finiteDiff, type Mat } from '../method/loop_reference';

/** `loop(x, params)` is the float64 loss with the loss's only variable (if any) as `params`. */
export function checkAgainstLoop(label: string, loss: MetricLoss, x: Mat, y: number[], loop: (x: Mat, params: Mat) => number): void {
  const before = tf.memory().numTensors;
  const vars = loss.trainableVariables;
  const params = (vars.length ? vars[0].arraySync() : []) as Mat;
  const xv = tf.tidy(() => tf.variable(tf.tensor2d(x)));
  const yt = tf.tensor1d(y, 'int32');
  const { value, grads } = tf.variableGrads(() => loss.compute(xv, yt), [xv, ...vars]);
  const v = value.dataSync()[0];
  const expected = loop(x, params);
  assert.ok(Math.abs(v - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `${label}: loss ${v} vs loop ${expected}`);
  const compare = (name: string, got: Float32Array | Int32Array | Uint8Array, fd: Mat): void => {
    const flat = fd.flat();
    const scale = Math.max(...flat.map(Math.abs), 1e-3);
    flat.forEach((e, i) =>
      assert.ok(Math.abs(got[i] - e) <= 2e-3 * scale, `${label}: d/d${name}[${i}] ${got[i]} vs finite difference ${e} (scale ${scale})`),
    );
  };
  compare(
    'x',
    grads[xv.name].dataSync(),
    finiteDiff((m) => loop(m, params), x),
  );
  if (vars.length)
    compare(
      vars[0].name,
      grads[vars[0].name].dataSync(),
      finiteDiff((m) => loop(x, m), params),
    );
  tf.dispose([value, xv, yt, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before, `${label}: leaked tensors`);
}
