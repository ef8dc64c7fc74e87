/** Run specifications changed by overrides, JSON files and older config.json files, with checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listRows } from '../../lib/experiments/registry';
import { defaultSpec, runInfoOf, specFromRow } from '../../lib/experiments/run_spec';
import { applyOverrides, specFromJson, upgradeLegacy } from '../../lib/experiments/spec_merge';

test("overrides: typed values, named choices reset to the new entry's defaults, options checked", () => {
  const s = applyOverrides(specFromRow('see-de128-cub'), ['train.epochs=3', 'loss.options.lambda=0.5', 'loss.options.coefficients=random']);
  assert.deepEqual([s.train.epochs, s.loss.options.lambda, s.loss.options.coefficients, s.loss.options.n], [3, 0.5, 'random', 8]);
  const pa = applyOverrides(s, ['loss.name=proxy_anchor', 'loss.options.margin=0.2']);
  assert.deepEqual(pa.loss, { name: 'proxy_anchor', options: { margin: 0.2, alpha: 32 } });
  assert.deepEqual(applyOverrides(s, ['head.options.lastNorm=false']).head, { name: 'normalized_linear', options: { lastNorm: false } });
  assert.throws(() => applyOverrides(s, ['train.epochs=three']), /"train.epochs" is "three" \(string\), expected a number/);
  assert.throws(() => applyOverrides(s, ['train.epochz=3']), /unknown key "train.epochz"/);
  assert.throws(() => applyOverrides(s, ['train.epochs=0']), /epochs=0, expected an integer >= 1/);
  assert.throws(
    () => applyOverrides(s, ['loss.name=arcface']),
    /override "loss.name=arcface": unknown loss "arcface"; expected one of see_proxy_anchor, /,
  );
  assert.throws(() => applyOverrides(s, ['loss.options.n=0']), /loss "see_proxy_anchor": option n=0, expected an integer >= 1/);
  assert.throws(() => applyOverrides(s, ['loss.weight=2']), /unknown key "loss.weight"; expected loss.name, loss.options/);
  assert.throws(() => applyOverrides(s, ['mode.name=frozen']), /unknown training mode "frozen"; expected one of end_to_end/);
  assert.throws(
    () => applyOverrides(s, ['dataset=imagenet']),
    /dataset "imagenet", expected one of cub, cars, sop, inshop, glyphs, folder/,
  );
  assert.throws(() => applyOverrides(s, ['backbone=resnet18']), /unknown backbone "resnet18"/);
  assert.throws(
    () => applyOverrides(s, ['evalMetrics=["recall","auc"]']),
    /evalMetrics \["recall","auc"\], expected a list of recall, mapAtR, nmi/,
  );
});

test('overrides written before losses were named choices still work: loss=<name>, see.<option>=<value>', () => {
  const s = applyOverrides(specFromRow('see-de128-cub'), ['see.lambda=0.5', 'see.n=4']);
  assert.deepEqual([s.loss.name, s.loss.options.lambda, s.loss.options.n], ['see_proxy_anchor', 0.5, 4]);
  assert.deepEqual(applyOverrides(s, ['loss=proxy_anchor']).loss, { name: 'proxy_anchor', options: { margin: 0.1, alpha: 32 } });
});

test('JSON: a row with changes, a partial spec over the defaults, a legacy config.json', () => {
  const fromRow = specFromJson({ row: 'pa-de128-sop', train: { epochs: 3 } }, 'a.json');
  assert.deepEqual([fromRow.row, fromRow.loss.name, fromRow.train.epochs, fromRow.train.evalFrom], ['pa-de128-sop', 'proxy_anchor', 3, 40]);
  const ms = specFromJson({ loss: { name: 'multi_similarity', options: { beta: 40 } } }, 'b.json');
  assert.deepEqual(ms.loss, { name: 'multi_similarity', options: { alpha: 2, beta: 40, base: 0.5 } });
  assert.throws(() => specFromJson({ loss: { nme: 'x' } }, 'c.json'), /c\.json: unknown key "loss\.nme"/);
  assert.throws(() => specFromJson([1], 'd.json'), /d\.json: expected a JSON object/);
  // a config.json as the kit wrote it before: loss a name, SEE's settings in "see", no head or mode
  const legacy = {
    name: 'old',
    row: null,
    dataset: 'glyphs',
    loss: 'see_proxy_anchor',
    see: { n: 4, lambda: 0.3, maxThresh: 0.4, minThresh: 0, plan: 0 },
  };
  assert.deepEqual(upgradeLegacy(legacy).loss, {
    name: 'see_proxy_anchor',
    options: { n: 4, lambda: 0.3, maxThresh: 0.4, minThresh: 0, plan: 0 },
  });
  const old = specFromJson(legacy, 'config.json', defaultSpec());
  assert.deepEqual(
    [old.loss.options.n, old.loss.options.plan, old.loss.options.alpha, old.head.name, old.mode.name],
    [4, 0, 32, 'normalized_linear', 'end_to_end'],
  );
  assert.deepEqual(specFromJson({ ...legacy, loss: 'proxy_anchor' }, 'config.json', defaultSpec()).loss, {
    name: 'proxy_anchor',
    options: { margin: 0.1, alpha: 32 },
  });
});

test("every trainable row's config.json reads back as the same spec (evaluate, resume); a union is replaced by its kind", () => {
  const rows = listRows({ status: 'trainable' });
  assert.ok(
    rows.some((r) => specFromRow(r.id).train.lrDecay.kind === 'step'),
    'a row with a step schedule is among them',
  );
  for (const r of rows) {
    const spec = specFromRow(r.id);
    const stored = JSON.parse(JSON.stringify({ ...runInfoOf(spec), train: spec.train })) as unknown;
    assert.deepEqual(specFromJson(stored, `${r.id}/config.json`, defaultSpec()), spec, r.id);
  }
  const step = specFromRow(rows.find((r) => specFromRow(r.id).train.lrDecay.kind === 'step')!.id);
  assert.deepEqual(applyOverrides(step, ['train.lrDecay={"kind":"cosine","minLrScale":0}']).train.lrDecay, {
    kind: 'cosine',
    minLrScale: 0,
  });
  assert.equal((applyOverrides(step, ['train.lrDecay.gamma=0.25']).train.lrDecay as { gamma: number }).gamma, 0.25);
  assert.throws(() => applyOverrides(step, ['train.lrDecay.gama=0.25']), /unknown key "train.lrDecay.gama"/);
});

test('train.frozenBackbone=true is mode frozen_backbone (override and JSON); a conflicting mode.name is named', () => {
  const s = specFromRow('see-de128-cub');
  assert.deepEqual(applyOverrides(s, ['train.frozenBackbone=true']).mode, {
    name: 'frozen_backbone',
    options: { views: 0, viewSeed: 0, initSeed: 0 },
  });
  assert.equal(applyOverrides(s, ['train.frozenBackbone=true', 'mode.options.views=4']).mode.options.views, 4);
  assert.equal(applyOverrides(s, ['train.frozenBackbone=true', 'train.frozenBackbone=false']).mode.name, 'end_to_end');
  assert.throws(
    () => applyOverrides(s, ['train.frozenBackbone=yes']),
    /train\.frozenBackbone is "yes", expected true or false \(it sets mode\.name to frozen_backbone or end_to_end\)/,
  );
  const json = specFromJson(
    { row: 'see-de128-cub', train: { frozenBackbone: true, epochs: 3 }, mode: { options: { views: 2 } } },
    'f.json',
  );
  assert.deepEqual(
    [json.mode.name, json.mode.options.views, json.train.epochs, 'frozenBackbone' in json.train],
    ['frozen_backbone', 2, 3, false],
  );
  assert.throws(
    () => specFromJson({ train: { frozenBackbone: true }, mode: { name: 'end_to_end' } }, 'g.json'),
    /g\.json: train\.frozenBackbone true means mode "frozen_backbone", but mode\.name is "end_to_end"; give one of them/,
  );
});

test('the folder section: defaults filled in as it is merged, only for dataset "folder", read back from config.json', () => {
  const base = defaultSpec();
  const f = applyOverrides(base, ['dataset=folder', 'dataRoot=/photos', 'folder.trainClasses=0.7', 'folder.queryFraction=0.5']);
  assert.deepEqual(f.folder, { trainClasses: 0.7, queryFraction: 0.5 });
  assert.deepEqual(applyOverrides(base, ['dataset=folder']).folder, { trainClasses: 'firstHalf', queryFraction: null });
  assert.deepEqual(applyOverrides(f, ['folder.trainClasses=["cat","dog"]']).folder, { trainClasses: ['cat', 'dog'], queryFraction: 0.5 });
  assert.equal('folder' in applyOverrides(base, ['dataset=glyphs']), false, 'no folder key for other datasets');
  assert.throws(
    () => applyOverrides(base, ['folder.trainClasses=lastHalf']),
    /a "folder" section is given, but dataset is "cub"; it splits a dataset "folder" only/,
  );
  assert.throws(
    () => applyOverrides(f, ['folder.trainClasses=2']),
    /override "folder\.trainClasses=2": folder\.trainClasses 2, expected "firstHalf", "lastHalf", a fraction/,
  );
  assert.throws(() => applyOverrides(f, ['folder.split=1']), /unknown key "folder\.split"/);
  const stored = JSON.parse(JSON.stringify({ ...runInfoOf(f), train: f.train })) as unknown;
  assert.deepEqual(specFromJson(stored, 'config.json', defaultSpec()), f);
});
