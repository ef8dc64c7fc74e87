/** buildRun and runExperiment on a tiny glyphs run: parts from the registries, hooks, no leaks, re-evaluation, resume of an older config. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddingHead } from '../../lib/backbones/head';
import { BackboneEmbeddingModel } from '../../lib/backbones/model';
import { GLYPH_FONTS, makeGlyphs } from '../../lib/data/glyphs';
import { buildRun } from '../../lib/experiments/build_run';
import { demoSpec } from '../../lib/experiments/demo_spec';
import { evaluateRun, runExperiment } from '../../lib/experiments/run_experiment';
import { applyOverrides } from '../../lib/experiments/spec_merge';
import { MultiSimilarityLoss } from '../../lib/losses/multi_similarity';
import { initBackend, tf } from '../../lib/tf';

const root = mkdtempSync(join(tmpdir(), 'see-experiment-'));
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await initBackend('wasm', { quiet: true });
  await makeGlyphs({ outDir: join(root, 'glyphs'), numClasses: 8, variants: 2, fonts: GLYPH_FONTS.slice(0, 3), size: 32 });
});

const tiny = (overrides: string[] = []) =>
  applyOverrides(demoSpec('see_proxy_anchor', 1, 0, root), [
    'backbone=resnet_tiny.test',
    'imageSize=32',
    'embeddingDim=12',
    'loss.options.n=4',
    'train.globalBatch=8',
    'evalKs=[1,2,4]',
    'evalMetrics=["recall"]',
    ...overrides,
  ]);

test('buildRun takes the head, loss and mode from their registries, and dispose() frees everything', () => {
  const before = tf.memory().numTensors;
  const run = buildRun(tiny(['loss.name=multi_similarity', 'head.options.lastNorm=false']));
  assert.ok(run.loss instanceof MultiSimilarityLoss);
  assert.ok(run.model instanceof BackboneEmbeddingModel && run.model.head instanceof EmbeddingHead);
  assert.equal(((run.model as BackboneEmbeddingModel).head as EmbeddingHead).lastNorm, false);
  assert.deepEqual([run.data.train.length, run.data.numTrainClasses, run.source.itersPerEpoch], [24, 4, 3]);
  run.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('runExperiment: hooks see the built run, the evaluator can be replaced, the checkpoint re-evaluates', async () => {
  const before = tf.memory().numTensors;
  const calls: string[] = [];
  const { metrics, runDir, spec } = await runExperiment(tiny(), {
    runPath: join(root, 'runs', 'a'),
    onStart: (run) => calls.push(`start ${run.loss.name} ${run.spec.loss.options.n}`),
    evaluate: (run) => async (model, epoch) => {
      calls.push(`evaluate ${epoch}`);
      return run.evaluate(model, epoch);
    },
    onFinish: (run, m) => {
      // the model is still alive here: embed one image
      const shape = tf.tidy(() => run.model.embed(tf.zeros([1, 32, 32, 3]), false).shape);
      calls.push(`finish ${m.last.epoch} ${shape.join('x')}`);
    },
  });
  assert.deepEqual(calls, ['start see_proxy_anchor 4', 'evaluate 0', 'finish 0 1x12']);
  assert.equal(tf.memory().numTensors, before, 'runExperiment left tensors behind');
  assert.equal(runDir.readConfig<{ loss: { name: string } }>().loss.name, 'see_proxy_anchor');
  assert.equal(spec.loss.options.lambda, 0.2);
  const again = await evaluateRun(runDir);
  assert.deepEqual([again.epoch, again.metrics.recallAtK], [0, metrics.last.test.recallAtK]);
  await assert.rejects(runExperiment(tiny(), { runPath: runDir.path }), /already has a checkpoint: resume it/);
  assert.equal(tf.memory().numTensors, before);
});

test('a run whose config.json has the older form ("loss": "<name>" + "see") resumes; a real change is named by its current key', async () => {
  const before = tf.memory().numTensors;
  const runPath = join(root, 'runs', 'legacy');
  const spec = tiny();
  await runExperiment(spec, { runPath });
  // as the kit wrote it before losses were named choices: no head or mode, SEE's options in "see";
  // no checkpoint yet (a run killed in its first epoch), so the resume compares with config.json
  const current = JSON.parse(readFileSync(join(runPath, 'config.json'), 'utf8')) as Record<string, unknown>;
  const { head: _head, mode: _mode, loss, ...rest } = current;
  const legacy = { ...rest, loss: (loss as { name: string }).name, see: (loss as { options: object }).options };
  for (const f of ['checkpoint.safetensors', 'metrics.json']) rmSync(join(runPath, f));
  writeFileSync(join(runPath, 'config.json'), JSON.stringify(legacy));
  const resumed = await runExperiment(spec, { runPath, resume: true });
  assert.equal(resumed.metrics.last.epoch, 0);
  rmSync(join(runPath, 'checkpoint.safetensors'));
  writeFileSync(join(runPath, 'config.json'), JSON.stringify({ ...legacy, see: { ...legacy.see, n: 5 } }));
  await assert.rejects(
    runExperiment(spec, { runPath, resume: true }),
    /differs from .*config\.json in 1 key\(s\):\n {2}loss\.options\.n: 5 in .*config\.json, 4 in this resume/,
  );
  assert.equal(tf.memory().numTensors, before);
});
