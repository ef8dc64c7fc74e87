/** A SEE loss restored from getRandomState() draws the same expansions as the uninterrupted one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { SeededRandom } from '../../lib/random';

test('SeededRandom state round-trips and bad states are refused', () => {
  const a = new SeededRandom(7);
  a.normal();
  const saved = a.getState();
  const next = [a.normal(), a.uniform(), a.normal()];
  const b = new SeededRandom(123);
  b.setState(saved);
  assert.deepEqual([b.normal(), b.uniform(), b.normal()], next);
  assert.throws(() => b.setState([1, 2, 3, 4]), /expected 21 integers/);
  assert.throws(() => b.setState([...saved.slice(0, 20), 0.5]), /expected 21 integers/);
  assert.throws(() => b.setState([...saved.slice(0, 20), 4]), /next lane in \[0, 4\)/);
});

test('SeeProxyAnchorLoss: restoring the random state reproduces the next expansion and loss', async () => {
  await initBackend('wasm', { quiet: true });
  const cfg = { numClasses: 6, embeddingDim: 16, seed: 3, n: 4, plan: 1 as const, threshold: 0.5 };
  const x = tf.randomNormal([12, 16], 0, 1, 'float32', 11) as tf.Tensor2D;
  const y = tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], 'int32');
  const run = async (loss: SeeProxyAnchorLoss): Promise<number> => {
    const l = loss.compute(x, y);
    const v = (await l.data())[0];
    l.dispose();
    return v;
  };
  const first = new SeeProxyAnchorLoss(cfg);
  await run(first); // advances the random stream
  const saved = first.getRandomState();
  const expected = await run(first);
  const resumed = new SeeProxyAnchorLoss(cfg);
  const other = new SeeProxyAnchorLoss(cfg);
  const fresh = await run(other); // same stream position as `first` before its first step
  other.dispose();
  resumed.setRandomState(saved);
  const got = await run(resumed);
  assert.equal(got, expected);
  assert.notEqual(fresh, expected, 'the second step must draw different noise, or this test proves nothing');
  first.dispose();
  resumed.dispose();
  tf.dispose([x, y]);
});
