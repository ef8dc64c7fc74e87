/**
 * Every registered loss trains through the CLI: a table row with `--set loss.name=<loss>` and the
 * settings of a tiny glyphs run (8 classes, the tiny test ResNet, one epoch). Multi-Similarity goes
 * through ./bin/see-kit itself, the others through the same main() in this process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { GLYPH_FONTS, makeGlyphs } from '../../lib/data/glyphs';
import { main } from '../../lib/cli/main';
import { lossNames } from '../../lib/losses/registry';
import { initBackend, tf } from '../../lib/tf';
import { RunDir } from '../../lib/train/run_dir';

const ROOT = join(__dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'see-baselines-'));
const runs = join(root, 'runs');
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await initBackend('wasm', { quiet: true });
  // 8 classes x 3 fonts x 2 variants, 32 px: train classes 0-3 (24 images), test classes 4-7
  await makeGlyphs({ outDir: join(root, 'data', 'glyphs'), numClasses: 8, variants: 2, fonts: GLYPH_FONTS.slice(0, 3), size: 32 });
});

/** `<row> --set ...`: the row's recipe, moved onto tiny glyphs */
function tinyArgs(loss: string, runId: string): string[] {
  const sets = [
    'dataset=glyphs',
    'backbone=resnet_tiny.test',
    'weights=none',
    'embeddingDim=20',
    'imageSize=32',
    'augmentation=glyphs',
    'evalKs=[1,2,4]',
    'train.epochs=1',
    'train.globalBatch=8',
    'train.warmupEpochs=0',
    'train.lr=0.01',
    `loss.name=${loss}`,
  ];
  return [
    'train',
    'see-r512-cub',
    ...sets.flatMap((s) => ['--set', s]),
    '--data-root',
    join(root, 'data'),
    '--runs-root',
    runs,
    '--run-id',
    runId,
    '--backend',
    'wasm',
  ];
}

function recordedLoss(runId: string): { name: string; options: Record<string, unknown> } {
  return new RunDir(join(runs, runId)).readConfig<{ loss: { name: string; options: Record<string, unknown> } }>().loss;
}

test('./bin/see-kit train see-r512-cub --set loss.name=multi_similarity trains a tiny glyphs run', async () => {
  const { stdout } = await promisify(execFile)(join(ROOT, 'bin', 'see-kit'), tinyArgs('multi_similarity', 'ms'), { cwd: ROOT });
  assert.match(stdout, /^run ms: multi_similarity on glyphs \(24 train images, 4 classes\), resnet_tiny\.test -> 20-d, 1 epochs$/m);
  // a row's recipe scores MAP@R beside the paper's Recall@K
  assert.match(stdout, /^last epoch 0: R@1 [\d.]+ {2}R@2 [\d.]+ {2}R@4 [\d.]+ {2}MAP@R [\d.]+$/m);
  assert.deepEqual(recordedLoss('ms'), { name: 'multi_similarity', options: { alpha: 2, beta: 50, base: 0.5 } });
});

test('every other registered loss trains the same way (config.json records the loss and its defaults)', async () => {
  const before = tf.memory().numTensors;
  for (const loss of lossNames().filter((n) => n !== 'multi_similarity')) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(tinyArgs(loss, loss), { out: (l) => out.push(l), err: (l) => err.push(l) });
    assert.equal(code, 0, `${loss}: ${err.join('\n')}`);
    assert.match(out.join('\n'), new RegExp(`^run ${loss}: ${loss} on glyphs`, 'm'));
    assert.equal(recordedLoss(loss).name, loss);
    assert.ok(new RunDir(join(runs, loss)).readMetrics(), `${loss}: no metrics.json`);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors left after the runs');
  const bad = capture();
  assert.equal(await main([...tinyArgs('multi_similarity', 'bad'), '--set', 'loss.options.margin=0.1'], bad.io), 1);
  assert.match(
    bad.err.join('\n'),
    /override "loss\.options\.margin=0\.1": loss "multi_similarity": unknown option "margin"; its options are alpha, beta, base/,
  );
});

function capture(): { io: { out: (l: string) => void; err: (l: string) => void }; err: string[] } {
  const err: string[] = [];
  return { io: { out: () => undefined, err: (l) => err.push(l) }, err };
}
