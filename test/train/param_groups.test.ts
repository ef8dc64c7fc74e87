import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../lib/tf';
import { buildParamGroups, groupLearningRates, scaledBaseLr } from '../../lib/train/param_groups';
import { TinyMlp, TinyProxyLoss } from './doubles';

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-15 + 1e-12 * Math.abs(b);

test('De^128 SOP learning rates by hand: backbone 0 during 5 warm-up epochs, head 1e-3, proxies 0.1', () => {
  const recipe = { lr: 1e-5, globalBatch: 180, fcLrScale: 1e2, proxyLrScale: 1e4, warmupEpochs: 5 };
  for (const epoch of [0, 4]) {
    const r = groupLearningRates(recipe, epoch, 1);
    assert.equal(r.backbone, 0);
    assert.ok(close(r.head, 1e-3), `head ${r.head}`);
    assert.ok(close(r.proxies, 0.1), `proxies ${r.proxies}`);
  }
  const after = groupLearningRates(recipe, 5, 1);
  assert.ok(close(after.backbone, 1e-5), `backbone ${after.backbone}`);
});

test('lr scales with global batch / 180 and with the schedule multiplier', () => {
  const recipe = { lr: 1e-5, globalBatch: 90, fcLrScale: 1, proxyLrScale: 1e4, warmupEpochs: 1 };
  assert.ok(close(scaledBaseLr(recipe), 5e-6));
  const r = groupLearningRates(recipe, 3, 0.5);
  assert.ok(close(r.backbone, 2.5e-6));
  assert.ok(close(r.head, 2.5e-6));
  assert.ok(close(r.proxies, 2.5e-2));
  assert.throws(() => scaledBaseLr({ ...recipe, globalBatch: 0 }), /globalBatch=0/);
});

test('buildParamGroups puts backbone, head and proxy variables in their groups with one weight decay', async () => {
  await initBackend('cpu', { quiet: true });
  const model = new TinyMlp(1);
  const loss = new TinyProxyLoss(5, 8, 2);
  const groups = buildParamGroups(model, loss, 1e-4);
  assert.deepEqual(
    groups.map((g) => g.name),
    ['backbone', 'head', 'proxies'],
  );
  assert.deepEqual(groups[0].variables, [model.w1, model.b1]);
  assert.deepEqual(groups[1].variables, [model.w2, model.b2]);
  assert.deepEqual(groups[2].variables, [loss.proxies]);
  assert.ok(groups.every((g) => g.weightDecay === 1e-4));
  model.dispose();
  loss.dispose();
});
