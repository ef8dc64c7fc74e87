/**
 * Your own images through the command line: a folder of 10 classes of grey PNGs written here
 * (5 train, 5 unseen) described by `see-kit data`, trained by `see-kit train <config.json>` (the
 * bin/see-kit script itself once, end to end and on frozen features) and re-scored by
 * `see-kit evaluate`; `see-kit features` finds its cache current; the three pretrained-only rows
 * are listed as trainable and run end to end on these images with random-initialised weights.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { main } from '../../lib/cli/main';
import { RunDir } from '../../lib/train/run_dir';
import type { RunMetrics } from '../../lib/train/loop';
import { initBackend, tf } from '../../lib/tf';
import { writeClassFolders } from '../helpers/class_folders';

const ROOT = join(__dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'see-folder-cli-'));
const photos = join(root, 'photos');
const runs = join(root, 'runs');
const config = join(root, 'mine.json');
const common = ['--runs-root', runs, '--features-root', join(root, 'features'), '--backend', 'wasm'];

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, ...common], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const metricsOf = (id: string): RunMetrics => new RunDir(join(runs, id)).readMetrics<RunMetrics>() as RunMetrics;
const r1 = (m: RunMetrics): string => (100 * m.last.test.recallAtK['1']).toFixed(1);

before(async () => {
  await initBackend('wasm', { quiet: true });
  await writeClassFolders(photos, 10, 6); // c00 ... c09, 6 grey 32 x 32 PNGs each
  writeFileSync(
    config,
    JSON.stringify({
      name: 'mine',
      dataset: 'folder',
      dataRoot: photos,
      folder: { trainClasses: 'firstHalf' },
      backbone: 'resnet_tiny.test',
      weights: 'none',
      embeddingDim: 8,
      imageSize: 32,
      augmentation: 'glyphs',
      evalKs: [1, 2, 4],
      evalMetrics: ['recall', 'mapAtR'],
      loss: { name: 'see_proxy_anchor', options: { n: 4 } },
      train: { epochs: 2, globalBatch: 8, lr: 0.01, warmupEpochs: 0, evalFreq: 1, proxyLrScale: 10 },
    }),
  );
});
after(() => rmSync(root, { recursive: true, force: true }));

test('see-kit data: counts per split and class, how batches are drawn, every image checked, a sample grid PNG', async () => {
  const grid = join(root, 'grid.png');
  const d = await cli('data', config, '--out', grid);
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /^train: 30 images of 5 classes \(6-6 per class, median 6\): c00, c01, c02, c03, c04$/m);
  assert.match(d.out, /^test: 30 images of 5 unseen classes \(6-6 per class, median 6\): c05, c06, c07, c08, c09$/m);
  assert.match(d.out, /^batches: 8 images = 4 classes x 2 \(of 5\); 3 steps per epoch$/m);
  assert.match(d.out, /^images: all 60 pass the image check$/m);
  assert.match(
    d.out,
    /^sample grid: .*grid\.png \(8 classes: train: c00 \(6\); train: c01 \(6\); train: c03 \(6\); train: c04 \(6\); unseen: c05 \(6\); unseen: c06 \(6\); unseen: c08 \(6\); unseen: c09 \(6\)\)$/m,
  );
  const meta = await sharp(grid).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 220 + 6 * 76 + 4, 8 * 76 + 4]);
  const other = await cli(
    'data',
    config,
    '--set',
    'folder.trainClasses=["c01","c09"]',
    '--set',
    'folder.queryFraction=0.5',
    '--set',
    'train.globalBatch=4',
    '--out',
    grid,
  );
  assert.equal(other.code, 0, other.err);
  assert.match(other.out, /^train: 12 images of 2 classes .*: c01, c09$/m);
  assert.match(other.out, /^ {2}queries 24, gallery 24 \(each query ranked against the gallery\)$/m);
  // describing the data needs no weights file (training does: it names the missing file)
  const noWeights = ['--set', `weights=${join(root, 'absent.safetensors')}`];
  const described = await cli('data', config, ...noWeights, '--out', grid);
  assert.equal(described.code, 0, described.err);
  const refused = await cli('train', config, ...noWeights, '--run-id', 'no-weights');
  assert.equal(refused.code, 1);
  assert.match(refused.err, /weights file .*absent\.safetensors is missing/);
});

test('./bin/see-kit train <config.json> trains on the folder, see-kit evaluate re-scores the checkpoint', async () => {
  const { stdout } = await promisify(execFile)(join(ROOT, 'bin', 'see-kit'), ['train', config, '--run-id', 'e2e', ...common], {
    cwd: ROOT,
  });
  assert.match(stdout, /^run e2e: see_proxy_anchor on folder \(30 train images, 5 classes\), resnet_tiny\.test -> 8-d, 2 epochs$/m);
  assert.match(stdout, /^last epoch 1: R@1 [\d.]+ {2}R@2 [\d.]+ {2}R@4 [\d.]+ {2}MAP@R [\d.]+$/m);
  const e = await cli('evaluate', 'e2e');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, new RegExp(`^run e2e, checkpoint of epoch 1: R@1 ${r1(metricsOf('e2e'))} `));
  const cfg = new RunDir(join(runs, 'e2e')).readConfig<{ dataset: string; folder: unknown }>();
  assert.deepEqual([cfg.dataset, cfg.folder], ['folder', { trainClasses: 'firstHalf', queryFraction: null }]);
});

test('the same folder on frozen features (train.frozenBackbone=true): trained, re-scored, and its cache found current by see-kit features', async () => {
  const t = await cli('train', config, '--set', 'train.frozenBackbone=true', '--run-id', 'frozen');
  assert.equal(t.code, 0, t.err);
  assert.match(
    t.out,
    /^run frozen: see_proxy_anchor on folder \(30 train images, 5 classes\), resnet_tiny\.test -> 8-d, 2 epochs, training mode frozen_backbone$/m,
  );
  assert.match(t.err, /^features: evaluation transform 60\/60 images$/m);
  const e = await cli('evaluate', 'frozen');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, new RegExp(`^run frozen, checkpoint of epoch 1: R@1 ${r1(metricsOf('frozen'))} `));
  const f = await cli('features', config);
  assert.equal(f.code, 0, f.err);
  assert.match(
    f.out,
    /^features reused: .*folder-resnet_tiny\.test-eval-[0-9a-f]{10}\n {2}resnet_tiny\.test \(random initialisation, seed 0\), 32-d; 30 training and 30 test images; evaluation transform only/,
  );
});

test('the pretrained-only rows are trainable and run end to end on the folder with random-initialised weights', async () => {
  const tensors = tf.memory().numTensors;
  const list = await cli('list', '--status', 'trainable', '--dataset', 'cub');
  for (const row of ['deit-s-de384-cub', 'dino-dn384-cub', 'vit-s-v384-cub']) {
    assert.match(list.out, new RegExp(`^${row} +trainable .*, evaluation only\\]$`, 'm'));
    const sets = [`dataset=folder`, `dataRoot=${photos}`, 'weights=none', 'imageSize=32', 'evalKs=[1,2,4]'].flatMap((s) => ['--set', s]);
    const t = await cli('train', row, ...sets, '--run-id', row);
    assert.equal(t.code, 0, t.err);
    assert.match(
      t.out,
      new RegExp(
        `^run ${row}: evaluation only \\(nothing trains\\) of \\S+ with head l2_normalize on folder \\(30 test images, 5 classes\\)$`,
        'm',
      ),
    );
    const m = metricsOf(row);
    assert.deepEqual([m.epochs, m.history.length], [0, 1]);
    assert.match(t.out, new RegExp(`^evaluation: R@1 ${r1(m)} {2}R@2 [\\d.]+ {2}R@4 [\\d.]+$`, 'm'));
    const e = await cli('evaluate', row);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, new RegExp(`^run ${row}, evaluation only \\(no checkpoint\\): R@1 ${r1(m)} `));
    assert.deepEqual(new RunDir(join(runs, row)).readConfig<{ row: string; mode: { name: string } }>().mode.name, 'evaluation_only');
  }
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
});
