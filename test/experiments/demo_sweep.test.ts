/** `npm run demo` as a sweep: both methods with each seed, paired by seed, scored once at the last epoch. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoSpec, demoSweepJson } from '../../lib/experiments/demo_spec';
import { defineSweep, expandSweep } from '../../lib/sweeps/sweep_definition';

test('the demo sweep: Proxy-Anchor and SEE x seeds 0, 1, 2, each seed a pair differing only in the loss', () => {
  const def = defineSweep(demoSweepJson('demo-x', 5, [0, 1, 2], '/data'), 'demo');
  assert.deepEqual(def.compare, [['SEE Proxy-Anchor', 'Proxy-Anchor']]);
  assert.equal(def.protocol, 'last');
  const runs = expandSweep(def);
  assert.deepEqual(
    runs.map((r) => r.id),
    [
      'Proxy-Anchor-seed0',
      'SEE_Proxy-Anchor-seed0',
      'Proxy-Anchor-seed1',
      'SEE_Proxy-Anchor-seed1',
      'Proxy-Anchor-seed2',
      'SEE_Proxy-Anchor-seed2',
    ],
  );
  for (const r of runs) {
    assert.equal(r.spec.train.seed, r.seed);
    assert.equal(r.spec.train.epochs, 5);
    assert.equal(r.spec.train.evalFreq, 5, 'one evaluation, at the last epoch');
    assert.equal(r.spec.train.globalBatch, 180);
    assert.deepEqual(r.spec.evalMetrics, ['recall', 'mapAtR', 'nmi']);
  }
  const [pa, see] = runs;
  assert.equal(pa.spec.loss.name, 'proxy_anchor');
  assert.deepEqual(see.spec.loss, demoSpec('see_proxy_anchor', 5, 0, '/data').loss);
  // the pair differs in the loss and nothing else
  assert.deepEqual({ ...pa.spec, loss: null, name: null }, { ...see.spec, loss: null, name: null });
  const quick = expandSweep(defineSweep(demoSweepJson('demo-q', 2, [0, 1], '/q', true), 'demo'));
  assert.equal(quick.length, 4);
  assert.equal(quick[0].spec.train.globalBatch, 16);
});
