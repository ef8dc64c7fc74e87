/**
 * The training step's two-part SEE loss (batch term in the tape, expansion term after it on
 * embeddings read back asynchronously) equals the one-tape loss: same value, same gradients for
 * the embeddings and the proxies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { maxRelDiff } from '../backend/random';
import { seeGrads } from '../helpers/see_split';

test('SEE batchTerm + deferredTerm equals compute (value and gradients), leaving no tensor', async () => {
  await initBackend('wasm', { quiet: true });
  const before = tf.memory().numTensors;
  const one = await seeGrads('compute');
  const split = await seeGrads('split');
  assert.equal(tf.memory().numTensors, before);
  assert.ok(
    one.numSynthetic > 0 && split.numSynthetic === one.numSynthetic,
    `synthetic points: ${one.numSynthetic} vs ${split.numSynthetic}`,
  );
  assert.ok(Math.abs(one.loss - split.loss) < 1e-6 * Math.max(1, Math.abs(one.loss)), `loss ${one.loss} vs ${split.loss}`);
  assert.ok(maxRelDiff(split.dx, one.dx) < 1e-6, 'embedding gradients differ');
  assert.ok(maxRelDiff(split.dp, one.dp) < 1e-6, 'proxy gradients differ');
  assert.ok(split.dp.some((v) => v !== 0) && split.dx.some((v) => v !== 0));
});
