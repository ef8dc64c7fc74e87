import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PAPER_TABLE } from '../../lib/experiments/paper_table';
import { getRow, listRows } from '../../lib/experiments/registry';
import { trainConfigOf } from '../../lib/experiments/row_config';
import { missingInputs } from '../../lib/experiments/build_run';
import { specFromRow } from '../../lib/experiments/run_spec';
import { trainSpec } from '../../lib/data/transforms';
import { groupLearningRates } from '../../lib/train/param_groups';
import { validateTrainConfig } from '../../lib/train/train_config';

const root = mkdtempSync(join(tmpdir(), 'see-exp-'));
after(() => rmSync(root, { recursive: true, force: true }));

// transcribed from docs/official-recipe.md section 1 (SEE rows; CUB, Cars, SOP, In-Shop)
const SEE_CONFIGS_SECTION_1: [string, number[][]][] = [
  [
    'R^512',
    [
      [69.3, 79.0, 87.3],
      [88.5, 93.4, 95.9],
      [80.3, 91.5, 96.5],
      [92.8, 98.3, 98.8],
    ],
  ],
  [
    'De^128',
    [
      [75.1, 84.1, 90.1],
      [85.7, 91.5, 94.8],
      [83.0, 93.1, 97.2],
      [91.2, 98.0, 98.6],
    ],
  ],
  [
    'DN^128',
    [
      [78.8, 86.5, 91.6],
      [89.0, 93.6, 96.3],
      [84.8, 94.1, 97.5],
      [92.6, 98.6, 99.0],
    ],
  ],
  [
    'V^128',
    [
      [84.1, 90.2, 93.5],
      [86.8, 91.7, 95.1],
      [85.9, 94.7, 97.9],
      [92.8, 98.6, 99.1],
    ],
  ],
  [
    'De^384',
    [
      [78.3, 86.5, 91.9],
      [88.8, 93.7, 96.3],
      [83.6, 93.4, 97.4],
      [91.7, 98.1, 98.7],
    ],
  ],
  [
    'DN^384',
    [
      [81.9, 88.8, 92.9],
      [91.5, 95.2, 97.3],
      [85.5, 94.6, 97.9],
      [93.0, 98.5, 99.1],
    ],
  ],
  [
    'V^384',
    [
      [85.8, 91.4, 94.6],
      [88.8, 93.8, 96.4],
      [86.3, 95.0, 98.2],
      [93.2, 98.6, 99.1],
    ],
  ],
];

test('SEE rows carry the paper numbers of docs/official-recipe.md section 1 for every dataset', () => {
  const ds = ['cub', 'cars', 'sop', 'inshop'] as const;
  const ks = { cub: ['1', '2', '4'], cars: ['1', '2', '4'], sop: ['1', '10', '100'], inshop: ['1', '10', '20'] };
  for (const [arch, values] of SEE_CONFIGS_SECTION_1) {
    ds.forEach((d, i) => {
      const row = listRows({ method: 'SEE', arch, dataset: d })[0];
      assert.ok(row, `SEE ${arch} ${d}`);
      assert.deepEqual(
        ks[d].map((k) => row.paper?.[k]),
        values[i],
        `SEE ${arch} ${d}`,
      );
    });
  }
});

test('row counts: 7 backbones x 4 datasets x (SEE, Hyp, PA), NSoftmax and ProxyNCA++ on R^512, the 3 pretrained-only rows trainable; every other table row cited', () => {
  assert.equal(listRows({ status: 'trainable' }).length, 7 * 4 * 3 + 2 * 4 + 3 * 4);
  assert.equal(PAPER_TABLE.length, 29);
  assert.equal(listRows({ status: 'cited' }).length, (29 - 7 - 7 - 2 - 3) * 4);
  assert.equal(listRows({ method: 'Hyp', status: 'trainable' }).length, 28, 'the 28 Hyp cells of the table');
  assert.equal(getRow('hyp-v384-cars').paper?.['1'], 86.5);
  for (const id of ['mic-r128-cub', 'xbm-r128-sop', 'htl-b512-inshop', 'irt_r-de128-sop', 'nsoftmax-r128-cub', 'ms-b512-cub']) {
    assert.equal(getRow(id).status, 'cited', id);
  }
  // a cited method whose loss the kit has says how to train that loss
  assert.match(getRow('ms-b512-cub').notes[0], /no B\^512 backbone .*--set loss\.name=multi_similarity/);
  for (const [id, loss] of [
    ['nsoftmax-r512-cub', 'normalized_softmax'],
    ['proxyncapp-r512-sop', 'proxy_nca_pp'],
  ]) {
    const r = getRow(id);
    assert.deepEqual([r.status, r.loss, r.backbone, r.embeddingDim], ['trainable', loss, 'resnet50.tv_in1k', 512], id);
    assert.deepEqual(
      specFromRow(id).loss,
      { name: loss, options: loss === 'normalized_softmax' ? { alpha: 32 } : { scale: 1, temperature: 1 / 9 } },
      id,
    );
  }
  assert.equal(getRow('nsoftmax-r512-cub').paper?.['1'], 61.3);
  assert.equal(getRow('xbm-r128-cub').paper?.['1'], null, 'a "-" in the table stays null');
  assert.equal(getRow('pa-b512-cub').paper?.['1'], 68.4);
  for (const r of listRows({ method: 'PA', status: 'trainable' })) assert.equal(r.paper, null, r.id);
});

test('De^128 recipes are the official script values (docs/official-recipe.md 2a), with effective lrs by hand', () => {
  const sop = trainConfigOf(getRow('see-de128-sop'));
  assert.deepEqual(
    [
      sop.epochs,
      sop.warmupEpochs,
      sop.weightDecay,
      sop.fcLrScale,
      sop.evalFreq,
      sop.evalFrom,
      sop.globalBatch,
      sop.lr,
      sop.seed,
      sop.worldSize,
    ],
    [150, 5, 1e-4, 100, 5, 40, 180, 1e-5, 0, 2],
  );
  const lrs = groupLearningRates(sop, 5, 1);
  assert.ok(Math.abs(lrs.head - 1e-3) < 1e-15 && Math.abs(lrs.proxies - 0.1) < 1e-15 && Math.abs(lrs.backbone - 1e-5) < 1e-18);
  const cub = trainConfigOf(getRow('see-de128-cub'));
  assert.deepEqual([cub.epochs, cub.warmupEpochs, cub.weightDecay, cub.fcLrScale, cub.evalFreq, cub.evalFrom], [100, 1, 1e-2, 1, 1, 0]);
  assert.deepEqual(cub.lrDecay, { kind: 'constant' });
  assert.deepEqual(cub.clip, { kind: 'value', value: 10 });
  assert.equal(cub.adamw.eps, 1e-4);
  const inshop = trainConfigOf(getRow('see-de128-inshop'));
  assert.deepEqual([inshop.epochs, inshop.evalFrom, inshop.fcLrScale], [300, 40, 100]);
  assert.deepEqual(getRow('see-de128-cars').recipe?.see?.value, { n: 8, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 });
  assert.deepEqual(specFromRow('see-de128-cars').loss, {
    name: 'see_proxy_anchor',
    options: { n: 8, lambda: 0.2, margin: 0.1, alpha: 32, plan: 1, maxThresh: 0.4, minThresh: 0, lowerBound: 0, coefficients: 'simplex' },
  });
  assert.deepEqual(specFromRow('pa-de128-cars').loss, { name: 'proxy_anchor', options: { margin: 0.1, alpha: 32 } });
});

test("Hyp rows follow hyp_metric's README and train.py (docs/official-recipe.md 11), with effective lrs by hand", () => {
  const cub = trainConfigOf(getRow('hyp-de128-cub'));
  assert.deepEqual(
    [
      cub.lr,
      cub.globalBatch,
      cub.lrBatch,
      cub.worldSize,
      cub.epochs,
      cub.warmupEpochs,
      cub.weightDecay,
      cub.fcLrScale,
      cub.evalFreq,
      cub.evalFrom,
      cub.adamw.eps,
    ],
    [3e-5, 900, 900, 1, 50, 0, 0.01, 1, 1, 49, 1e-8],
  );
  assert.deepEqual([cub.clip, cub.lrDecay], [{ kind: 'norm', maxNorm: 3 }, { kind: 'constant' }]);
  assert.equal(groupLearningRates(cub, 0, 1).backbone, 3e-5, 'hyp_metric does not scale its lr with the batch, nor freeze the backbone');
  const spec = specFromRow('hyp-de128-cub');
  assert.deepEqual(
    [spec.head, spec.loss, spec.mPerClass, spec.sampler, spec.eval],
    [
      { name: 'hyperbolic', options: { c: 0.1, clipR: 2.3 } },
      { name: 'hyp_contrastive', options: { tau: 0.2 } },
      9,
      'class_pass',
      { inshopIndexMask: false, resize: 256, bodyRecall: true },
    ],
  );
  const cars = specFromRow('hyp-dn128-cars');
  assert.deepEqual(
    [cars.train.lr, cars.train.globalBatch, cars.train.lrBatch, cars.mPerClass, cars.train.epochs, cars.eval.resize],
    [1e-5, 882, 882, 9, 300, 224],
  );
  const sop = specFromRow('hyp-v128-sop');
  assert.deepEqual([sop.train.lr, sop.train.globalBatch, sop.mPerClass, sop.train.epochs, sop.train.evalFrom], [3e-5, 900, 2, 200, 199]);
  const inshop = specFromRow('hyp-dn384-inshop');
  assert.deepEqual([inshop.embeddingDim, inshop.train.epochs, inshop.mPerClass], [384, 400, 2]);
  assert.match(getRow('hyp-dn384-inshop').notes.join('\n'), /--emb 384: an inference/);
  assert.match(getRow('hyp-r512-sop').notes.join('\n'), /ResNet-50 has no hyp_metric command/);
  // hyp_metric's train crop (scale (0.2, 1), flips), which the row's note cites, is what the kit builds for its backbone
  assert.match(getRow('hyp-de128-cub').notes.join('\n'), /RandomResizedCrop\(224, scale \(0\.2, 1\)\) and horizontal flips/);
  assert.deepEqual([trainSpec(spec.backbone).scale, trainSpec(spec.backbone).hflip], [[0.2, 1], true]);
  // the SEE rows keep the official SEE settings the Hyp recipe changes
  const see = specFromRow('see-de128-cub');
  assert.deepEqual(
    [see.head.name, see.sampler, see.eval, see.train.lrBatch, see.train.adamw.eps, see.train.clip],
    [
      'normalized_linear',
      'unique_class',
      { inshopIndexMask: false, resize: null, bodyRecall: false },
      180,
      1e-4,
      { kind: 'value', value: 10 },
    ],
  );
});

test('every trainable row has a valid config, a backbone, a weight file, a dataset folder and a reason for every value', () => {
  for (const r of listRows({ status: 'trainable' })) {
    validateTrainConfig(trainConfigOf(r), r.id);
    assert.ok(r.backbone && r.weightsFile?.endsWith(`${r.backbone}.safetensors`) && r.datasetFolder, r.id);
    if (r.evaluationOnly) continue; // nothing trains: no recipe (next test)
    for (const [k, v] of Object.entries(r.recipe ?? {})) assert.ok(v.reason.length > 10, `${r.id}.${k} has no reason`);
    assert.ok(
      r.head && r.head.reason.length > 10 && r.lossOptions && r.lossOptions.reason.length > 10,
      `${r.id}: head and loss options with reasons`,
    );
    if (r.method === 'Hyp')
      assert.match(
        r.recipe!.lr.reason,
        r.arch === 'R^512' ? /^choice: no hyp_metric command for ResNet-50/ : /^hyp_metric README configs: python -m train --model/,
        r.id,
      );
    else if (r.arch !== 'De^128') assert.match(r.recipe!.lr.reason, /no official script|Proxy-Anchor README/, r.id);
    assert.match(
      r.recipe!.precision.reason,
      r.method === 'Hyp' ? /apex amp O2.*the kit trains in float32/ : /fp16 autocast with a GradScaler.*the kit trains in float32/,
      r.id,
    );
  }
  assert.deepEqual(trainConfigOf(getRow('see-r512-cub')).lrDecay, { kind: 'step', stepEpochs: 5, gamma: 0.5 });
  assert.throws(() => trainConfigOf(getRow('irt_r-de128-cub')), /cited/);
});

test('the pretrained-only rows (DeiT-S De^384, DINO DN^384, ViT-S V^384): evaluation only, the l2_normalize head, the paper numbers', () => {
  const rows = listRows({ status: 'trainable' }).filter((r) => r.evaluationOnly);
  assert.deepEqual(
    rows.map((r) => r.id).sort(),
    ['cub', 'cars', 'sop', 'inshop'].flatMap((d) => [`deit-s-de384-${d}`, `dino-dn384-${d}`, `vit-s-v384-${d}`]).sort(),
  );
  assert.deepEqual(
    ['deit-s-de384-cub', 'dino-dn384-cub', 'vit-s-v384-cub'].map((id) => getRow(id).paper?.['1']),
    [70.6, 70.8, 83.1],
  );
  for (const r of rows) {
    assert.deepEqual([r.embeddingDim, r.loss, r.recipe], [384, undefined, undefined], r.id);
    const spec = specFromRow(r.id);
    assert.deepEqual(
      [spec.head.name, spec.mode.name, spec.backbone, spec.embeddingDim, spec.weights],
      ['l2_normalize', 'evaluation_only', r.backbone, 384, 'pretrained'],
      r.id,
    );
  }
  assert.match(getRow('vit-s-v384-sop').notes[0], /evaluation only: .*ViT-S\/16.*Stanford Online Products protocol/);
  assert.deepEqual(specFromRow('dino-dn384-inshop').evalKs, [1, 10, 20, 30]);
});

test('unknown row ids list the valid ones; missing inputs name what to download and where', () => {
  assert.throws(
    () => getRow('see-de999-cub'),
    (e: Error) =>
      /unknown experiment row "see-de999-cub"/.test(e.message) &&
      e.message.includes('see-de128-cub') &&
      e.message.includes('irt_r-de128-cub'),
  );
  const spec = specFromRow('see-de128-cub', root);
  const missing = missingInputs(spec);
  assert.equal(missing.filter((m) => m.includes(join(root, 'CUB_200_2011')) && m.includes('CUB_200_2011.tgz')).length, 1);
  mkdirSync(join(root, 'CUB_200_2011'));
  assert.equal(
    missingInputs(spec).some((m) => m.includes('dataset folder')),
    false,
  );
  const withWeights = { ...spec, weights: join(root, 'w.safetensors') };
  assert.match(missingInputs(withWeights).join('\n'), /weights file .*w\.safetensors is missing/);
  writeFileSync(join(root, 'w.safetensors'), '');
  assert.deepEqual(missingInputs(withWeights), []);
});
