import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTinyGlyphs, tinyGlyphSpec } from '../helpers/tiny_glyphs';
import { parseArgs } from '../../lib/cli/args';
import { buildData, carveValidation } from '../../lib/experiments/build_run';
import { demoSpec } from '../../lib/experiments/demo_spec';
import { main } from '../../lib/cli/main';
import { resultRecords } from '../../lib/experiments/results_table';
import { checkSpec, runInfoOf } from '../../lib/experiments/run_spec';
import { tf } from '../../lib/tf';
import { RunDir } from '../../lib/train/run_dir';

const root = mkdtempSync(join(tmpdir(), 'see-cli-'));
const runs = join(root, 'runs');
after(() => rmSync(root, { recursive: true, force: true }));

function capture(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

before(async () => {
  // 8 classes x 3 fonts x 2 variants, 32 px: train classes 0-3 (24 images), test classes 4-7
  await makeTinyGlyphs(join(root, 'data'));
  writeFileSync(join(root, 'tiny.json'), JSON.stringify(tinyGlyphSpec(join(root, 'data'), 'tiny-see', 2, ['recall', 'mapAtR', 'nmi'])));
});

test('parseArgs: flags, --set repeats, unknown flags named', () => {
  const p = parseArgs(['train', 'x', '--set', 'a=1', '--set=b=2', '--run-id', 'r', '--help'], {
    set: 'value',
    'run-id': 'value',
    help: 'switch',
  });
  assert.deepEqual(p, { command: 'train', positionals: ['x'], flags: { 'run-id': 'r', help: true }, sets: ['a=1', 'b=2'] });
  assert.throws(() => parseArgs(['train', '--bogus'], { set: 'value' }), /unknown option --bogus; known: --set/);
});

test('carveValidation moves the last k training classes out', () => {
  const samples = [0, 0, 1, 1, 2, 2, 3].map((label, i) => ({ path: `${i}`, label }));
  const c = carveValidation(samples, 2);
  assert.equal(c.numTrainClasses, 2);
  assert.deepEqual(
    c.train.map((s) => s.label),
    [0, 0, 1, 1],
  );
  assert.deepEqual(
    c.validation.map((s) => s.label),
    [2, 2, 3],
  );
  assert.throws(() => carveValidation(samples, 4), /leaves no training class/);
});

test('CLI: unknown row lists valid ones; missing data/weights say what to download', async () => {
  const c = capture();
  assert.equal(await main(['train', 'see-de999-cub', '--runs-root', runs], c.io), 1);
  assert.match(c.err.join('\n'), /unknown experiment row "see-de999-cub"\. Trainable rows:\n.*see-de128-cub/);
  const d = capture();
  assert.equal(
    await main(['train', 'see-de128-cub', '--runs-root', runs, '--data-root', join(root, 'nodata'), '--backend', 'cpu'], d.io),
    1,
  );
  assert.match(
    d.err.join('\n'),
    /weights file .*deit_small_distilled_patch16_224\.fb_in1k\.safetensors is missing: download https:\/\/huggingface\.co/,
  );
  assert.match(d.err.join('\n'), /dataset folder .*nodata\/CUB_200_2011 is missing: download CUB_200_2011\.tgz/);
  const l = capture();
  assert.equal(await main(['list', '--status', 'cited', '--dataset', 'sop'], l.io), 0);
  assert.equal(l.out.at(-1), '10 rows'); // 13 before the 3 pretrained-only rows became evaluation-only trainable rows
});

test("CLI list: NSoftmax and ProxyNCA++ on R^512 and the seven Hyp rows are trainable; --losses lists the registry with every default's source", async () => {
  const l = capture();
  assert.equal(await main(['list', '--status', 'trainable', '--dataset', 'cub'], l.io), 0);
  assert.match(
    l.out.join('\n'),
    /^nsoftmax-r512-cub +trainable NSoftmax +R\^512 +cub +R@1 61\.3 R@2 73\.9 R@4 83\.5 +\[resnet50\.tv_in1k, normalized_softmax\]$/m,
  );
  assert.match(l.out.join('\n'), /^proxyncapp-r512-cub +trainable ProxyNCA\+\+ +R\^512 .*\[resnet50\.tv_in1k, proxy_nca_pp\]$/m);
  assert.match(
    l.out.join('\n'),
    /^vit-s-v384-cub +trainable ViT-S +V\^384 +cub +R@1 83\.1 R@2 90\.4 R@4 94\.4 +\[vit_small_patch16_224\.augreg_in21k_ft_in1k, evaluation only\]$/m,
  );
  assert.match(
    l.out.join('\n'),
    /^hyp-dn384-cub +trainable Hyp +DN\^384 +cub +R@1 80\.9 R@2 87\.6 R@4 92\.4 +\[vit_small_patch16_224\.dino, hyp_contrastive\]$/m,
  );
  assert.equal(l.out.filter((x) => / trainable Hyp /.test(x)).length, 7);
  assert.equal(l.out.at(-1), '26 rows');
  const losses = capture();
  assert.equal(await main(['list', '--losses'], losses.io), 0);
  const text = losses.out.join('\n');
  for (const name of [
    'see_proxy_anchor',
    'proxy_anchor',
    'normalized_softmax',
    'proxy_nca_pp',
    'multi_similarity',
    'soft_triple',
    'sup_con',
    'hyp_contrastive',
  ]) {
    assert.match(text, new RegExp(`^${name} `, 'm'), name);
  }
  assert.match(text, /^ {2}beta = 50 \(a number > 0; official SEE losses\.MSLoss_Angle/m);
  assert.match(text, /^ {2}coefficients = "simplex" \(one of simplex, random; /m);
});

test('CLI end to end on tiny glyphs: train, resume (finished run), evaluate the checkpoint, table', async () => {
  const before = tf.memory().numTensors;
  const t = capture();
  const code = await main(['train', join(root, 'tiny.json'), '--runs-root', runs, '--run-id', 'tiny', '--backend', 'cpu'], t.io);
  assert.equal(code, 0, t.err.join('\n'));
  assert.match(t.out.join('\n'), /backend cpu/);
  assert.match(t.out.join('\n'), /best epoch \d: R@1 [\d.]+ {2}R@2 [\d.]+ {2}R@4 [\d.]+ {2}MAP@R [\d.]+ {2}NMI [\d.]+/);
  const dir = new RunDir(join(runs, 'tiny'));
  assert.deepEqual(readdirSync(dir.path).sort(), ['checkpoint.safetensors', 'config.json', 'log.jsonl', 'metrics.json']);
  assert.equal(dir.readConfig<{ backbone: string }>().backbone, 'resnet_tiny.test');
  const r = capture();
  assert.equal(await main(['train', '--resume', 'tiny', '--runs-root', runs, '--backend', 'cpu'], r.io), 0, r.err.join('\n'));
  const e = capture();
  assert.equal(await main(['evaluate', 'tiny', '--runs-root', runs, '--backend', 'cpu'], e.io), 0, e.err.join('\n'));
  const last = dir.readMetrics<{ last: { test: { recallAtK: Record<string, number> } } }>()!.last.test.recallAtK['1'];
  assert.match(
    e.out[0],
    new RegExp(`checkpoint of epoch 1: R@1 ${(100 * last).toFixed(1)} `),
    'evaluating the checkpoint reproduces the last epoch',
  );
  assert.equal(tf.memory().numTensors, before, 'no tensors left after train and evaluate');
  // a finished run of a registry row appears beside the paper with the difference
  const rowRun = new RunDir(join(runs, 'fake-row'));
  rowRun.writeConfig({ row: 'see-de128-cub', dataset: 'cub', train: {} });
  const rec = { epoch: 3, test: { recallAtK: { '1': 0.7, '2': 0.8, '4': 0.9, '8': 0.95 } } };
  rowRun.writeMetrics({ status: 'finished', epochs: 4, best: rec, last: rec, history: [rec], trainSeconds: 1 });
  const rows = resultRecords(runs);
  const fake = rows.find((x) => x.run === 'fake-row')!;
  assert.equal(fake['paper R@1'], 75.1);
  assert.equal(fake['diff R@1'], -5.1);
  assert.equal(fake['R@8'], 95);
  const tb = capture();
  assert.equal(await main(['table', '--runs', '--runs-root', runs], tb.io), 0);
  const lines = tb.out[0].split('\n');
  assert.match(lines[0], /^R@K, MAP@R, RP \(R-Precision\): at the best test epoch /);
  assert.match(lines[1], /^run +row +dataset +bestEpoch +lastEpoch +R@1 +last R@1 +paper R@1 +diff R@1 /);
  assert.match(
    lines.find((l) => l.startsWith('fake-row'))!,
    /see-de128-cub +cub +3 +3 +70 +70 +75\.1 +-5\.1 /,
  );
  assert.ok(lines.some((l) => l.startsWith('tiny ')));
});

test('a demo run is a full RunSpec: glyph transforms, the registered demo backbone, re-evaluated by the CLI', async () => {
  const spec = checkSpec(demoSpec('see_proxy_anchor', 1, 3, join(root, 'data')), 'demo');
  const data = buildData(spec);
  assert.deepEqual([data.trainSpec.hflip, data.trainSpec.scale, data.evalSpec.resizeTo, data.evalSpec.size], [false, [0.6, 1], 32, 32]);
  assert.deepEqual(buildData({ ...spec, augmentation: 'official' }).evalSpec.resizeTo, 37); // round(32 * 256 / 224)
  assert.throws(
    () => checkSpec({ ...spec, augmentation: 'flips' as 'glyphs' }, 'x'),
    /augmentation "flips", expected "official" or "glyphs"/,
  );
  assert.equal(runInfoOf(spec).train, undefined);
  // as `npm run demo` writes it, smaller: train one epoch through the CLI, then evaluate the checkpoint
  writeFileSync(
    join(root, 'demo.json'),
    JSON.stringify({ ...runInfoOf(spec), evalKs: [1, 2, 4], train: { ...spec.train, globalBatch: 8, evalFreq: 1 } }),
  );
  const t = capture();
  assert.equal(
    await main(['train', join(root, 'demo.json'), '--runs-root', runs, '--run-id', 'demo-like', '--backend', 'cpu'], t.io),
    0,
    t.err.join('\n'),
  );
  const e = capture();
  assert.equal(await main(['evaluate', 'demo-like', '--runs-root', runs, '--backend', 'cpu'], e.io), 0, e.err.join('\n'));
  // the data moved: --data-root points evaluate at it, and a wrong one is named
  const moved = capture();
  assert.equal(await main(['evaluate', 'demo-like', '--runs-root', runs, '--data-root', join(root, 'elsewhere')], moved.io), 1);
  assert.match(moved.err.join('\n'), /elsewhere\/glyphs\/CUB_200_2011\/images is missing; build the benchmark/);
  const m = new RunDir(join(runs, 'demo-like')).readMetrics<{ last: { test: { recallAtK: Record<string, number>; nmi: number } } }>()!.last
    .test;
  assert.match(e.out[0], new RegExp(`checkpoint of epoch 0: R@1 ${(100 * m.recallAtK['1']).toFixed(1)} .*NMI ${(100 * m.nmi).toFixed(1)}`));
  // a run's config.json is itself a valid config file: the same run again, the same numbers
  const again = capture();
  const configPath = join(runs, 'demo-like', 'config.json');
  assert.equal(
    await main(['train', configPath, '--runs-root', runs, '--run-id', 'demo-again', '--backend', 'cpu'], again.io),
    0,
    again.err.join('\n'),
  );
  const m2 = new RunDir(join(runs, 'demo-again')).readMetrics<{ last: { test: { recallAtK: Record<string, number> } } }>()!.last.test;
  assert.equal(m2.recallAtK['1'], m.recallAtK['1']);
});
