/**
 * Tiny Hyp runs through the CLI on glyphs (issue 14): the hyp-de128-cub row moved onto 8 glyph
 * classes and the tiny test ResNet, on the Poincare ball (c = 0.1, through ./bin/see-kit itself)
 * and on the sphere (c = 0, tau 0.1, through main()); each trains with hyp_metric's sampler, is
 * evaluated by Poincare distance with the backbone's "body" recall beside it, and its checkpoint
 * is scored again by `evaluate`. The SEE rows' head switches to the hyperbolic one by an override.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { main } from '../../lib/cli/main';
import { GLYPH_FONTS, makeGlyphs } from '../../lib/data/glyphs';
import type { RunSpec } from '../../lib/experiments/run_spec';
import { initBackend, tf } from '../../lib/tf';
import type { RunMetrics } from '../../lib/train/loop';
import { RunDir } from '../../lib/train/run_dir';

const ROOT = join(__dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'see-hyp-cli-'));
const runs = join(root, 'runs');
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await initBackend('wasm', { quiet: true });
  // 8 classes x 3 fonts x 2 variants, 32 px: train classes 0-3 (6 images each), test classes 4-7
  await makeGlyphs({ outDir: join(root, 'data', 'glyphs'), numClasses: 8, variants: 2, fonts: GLYPH_FONTS.slice(0, 3), size: 32 });
});

/** `<row> --set ...`: the row's recipe on tiny glyphs; 4 classes x 3 views = one batch of 12 per epoch */
function tinyArgs(row: string, runId: string, extra: string[] = []): string[] {
  const sets = [
    'dataset=glyphs',
    'backbone=resnet_tiny.test',
    'weights=none',
    'embeddingDim=16',
    'imageSize=32',
    'augmentation=glyphs',
    'eval.resize=null',
    'evalKs=[1,2,4]',
    'mPerClass=3',
    'train.globalBatch=12',
    'train.lrBatch=12',
    'train.epochs=2',
    'train.evalFrom=0',
    'train.lr=0.001',
    ...extra,
  ];
  return [
    'train',
    row,
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

function capture(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

// a row's recipe scores MAP@R beside Recall@K
const bodyLine =
  /^last epoch 1: R@1 [\d.]+ {2}R@2 [\d.]+ {2}R@4 [\d.]+ {2}MAP@R [\d.]+ {2}\(body: R@1 [\d.]+ {2}R@2 [\d.]+ {2}R@4 [\d.]+\)$/m;

function checkRun(runId: string, c: number): RunMetrics {
  const dir = new RunDir(join(runs, runId));
  const spec = dir.readConfig<RunSpec>();
  assert.deepEqual(
    [spec.head, spec.loss.name, spec.sampler, spec.eval.bodyRecall],
    [{ name: 'hyperbolic', options: { c, clipR: 2.3 } }, 'hyp_contrastive', 'class_pass', true],
  );
  const steps = dir.readLog().filter((r) => r.kind === 'step');
  assert.equal(steps.length, 2, 'class-pass sampling: 4 classes x 3 views = one batch of 12 per epoch');
  assert.ok(
    steps.every((s) => Number.isFinite(s.loss as number) && (s.loss as number) > 0),
    'finite, positive losses',
  );
  const m = dir.readMetrics<RunMetrics>()!;
  assert.deepEqual(
    m.history.map((r) => r.epoch),
    [0, 1],
  );
  for (const r of m.history) {
    assert.deepEqual(Object.keys(r.test.recallAtK), ['1', '2', '4']);
    assert.deepEqual(Object.keys(r.test.bodyRecallAtK ?? {}), ['1', '2', '4'], "body recall beside the head's");
  }
  return m;
}

test('./bin/see-kit trains a tiny Hyp run on the Poincare ball (c = 0.1) and evaluates it by Poincare distance, with body recall', async () => {
  const { stdout } = await promisify(execFile)(join(ROOT, 'bin', 'see-kit'), tinyArgs('hyp-de128-cub', 'ball'), { cwd: ROOT });
  assert.match(stdout, /^run ball: hyp_contrastive on glyphs \(24 train images, 4 classes\), resnet_tiny\.test -> 16-d, 2 epochs$/m);
  assert.match(stdout, bodyLine);
  const m = checkRun('ball', 0.1);
  const e = capture();
  assert.equal(await main(['evaluate', 'ball', '--runs-root', runs, '--backend', 'wasm'], e.io), 0, e.err.join('\n'));
  const r1 = (100 * m.last.test.recallAtK['1']).toFixed(1);
  const b1 = (100 * m.last.test.bodyRecallAtK!['1']).toFixed(1);
  assert.match(
    e.out[0],
    new RegExp(`checkpoint of epoch 1: R@1 ${r1} .*\\(body: R@1 ${b1} `),
    'evaluate rebuilds the hyperbolic head and scores the same',
  );
});

test("the sphere version (c = 0, tau 0.1) trains and evaluates the same way; the SEE rows' head switches to the hyperbolic one", async () => {
  const before = tf.memory().numTensors;
  const s = capture();
  assert.equal(await main(tinyArgs('hyp-de128-cub', 'sphere', ['head.options.c=0', 'loss.options.tau=0.1']), s.io), 0, s.err.join('\n'));
  assert.match(s.out.join('\n'), bodyLine);
  checkRun('sphere', 0);
  assert.equal(new RunDir(join(runs, 'sphere')).readConfig<RunSpec>().loss.options.tau, 0.1);
  // the ablation: SEE's loss and recipe, the Hyp head; its evaluation ranks by Poincare distance
  const a = capture();
  const ablation = [
    'dataset=glyphs',
    'backbone=resnet_tiny.test',
    'weights=none',
    'embeddingDim=16',
    'imageSize=32',
    'augmentation=glyphs',
    'evalKs=[1,2,4]',
    'train.epochs=1',
    'train.globalBatch=8',
    'train.warmupEpochs=0',
    'train.lr=0.01',
    'loss.options.n=4',
    'head.name=hyperbolic',
  ];
  assert.equal(
    await main(
      [
        'train',
        'see-r512-cub',
        ...ablation.flatMap((x) => ['--set', x]),
        '--data-root',
        join(root, 'data'),
        '--runs-root',
        runs,
        '--run-id',
        'see-hyperbolic',
        '--backend',
        'wasm',
      ],
      a.io,
    ),
    0,
    a.err.join('\n'),
  );
  assert.match(a.out.join('\n'), /^run see-hyperbolic: see_proxy_anchor on glyphs/m);
  const spec = new RunDir(join(runs, 'see-hyperbolic')).readConfig<RunSpec>();
  assert.deepEqual([spec.head, spec.loss.name], [{ name: 'hyperbolic', options: { c: 0.1, clipR: 2.3 } }, 'see_proxy_anchor']);
  assert.ok(new RunDir(join(runs, 'see-hyperbolic')).readMetrics(), 'the ablation run finished');
  assert.equal(tf.memory().numTensors, before, 'no tensors left after the runs');
  // a batch without views is refused before training
  const bad = capture();
  assert.equal(await main(tinyArgs('hyp-de128-cub', 'one-view', ['mPerClass=1', 'train.globalBatch=4']), bad.io), 1);
  assert.match(bad.err.join('\n'), /HypContrastiveLoss: needs at least 2 views \(images\) per class in a batch, got mPerClass = 1/);
});
