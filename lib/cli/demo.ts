/**
 * `npm run demo`: the kit's main job on the built-in glyphs benchmark. Builds data/glyphs if it
 * is missing, trains Proxy-Anchor and SEE Proxy-Anchor with the same small ResNet from scratch
 * and the same seed, evaluates Recall@1/2/4/8, MAP@R and NMI on the unseen classes, prints both
 * side by side and writes an offline HTML report. Settings: DEMO_EPOCHS (5), DEMO_SEED (0),
 * DEMO_OUT (data/runs), SEE_BACKEND (auto), SEE_WORKERS (training threads, default the cores).
 * Each run's config.json is a full RunSpec (demoSpec), so `see-kit evaluate <run>` rebuilds the
 * model and re-scores its checkpoint.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBackboneEntry, type BackboneEntry } from '../backbones/registry';
import { makeGlyphs } from '../data/glyphs';
import { glyphEvalSpec, glyphTrainSpec, type TransformSpec } from '../data/transforms';
import { describeBackend, initBackend } from '../tf';
import type { Evaluator } from '../train/contracts';
import { datasetEvaluator } from '../train/dataset_evaluator';
import { train } from '../train/loop';
import { trainWorkerCount } from '../train/parallel/worker_count';
import { terminalProgress } from '../train/progress';
import { makeRunId, RunDir } from '../train/run_dir';
import { buildData, buildEvaluators, buildLoss, buildModel, buildSource } from './build_run';
import { checkSpec, runInfoOf, type RunSpec } from './run_spec';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../train/train_config';
import { reportHtml, writeReport, type MethodReport } from './demo_report';
import { embeddingStats } from './demo_stats';

const ROOT = resolve(__dirname, '..', '..');
/** The demo's small bottleneck ResNet (one block per stage) for 32 px glyphs, trained from scratch (lib/backbones/registry.ts). */
export const DEMO_BACKBONE: BackboneEntry = getBackboneEntry('resnet_small.demo');
const SIZE = DEMO_BACKBONE.preprocessing.inputSize;
const { mean: MEAN, std: STD } = DEMO_BACKBONE.preprocessing;
export const DEMO_EMBEDDING_DIM = 64;

/** Glyphs: mild crops, no flips (a mirrored character is another character); evaluation without a crop. */
export const DEMO_TRAIN_SPEC: TransformSpec = glyphTrainSpec(SIZE, MEAN, STD);
export const DEMO_EVAL_SPEC: TransformSpec = glyphEvalSpec(SIZE, MEAN, STD);

export function demoConfig(epochs: number, seed: number): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    epochs,
    lr: 1e-3, // from scratch: 100x the official fine-tuning lr
    globalBatch: 180,
    fcLrScale: 1,
    proxyLrScale: 100, // proxies at 0.1, the official proxy lr
    warmupEpochs: 0, // nothing pretrained to protect
    weightDecay: 1e-4,
    evalFreq: 2,
    seed,
  };
}

/** The RunSpec of one demo run: what its config.json holds, and what `see-kit evaluate` rebuilds. */
export function demoSpec(method: 'proxy_anchor' | 'see_proxy_anchor', epochs: number, seed: number, dataRoot: string): RunSpec {
  return {
    name: `demo-${method}`, row: null, dataset: 'glyphs', dataRoot, backbone: DEMO_BACKBONE.name, weights: 'none',
    embeddingDim: DEMO_EMBEDDING_DIM, loss: method, see: { n: 8, lambda: 0.2, maxThresh: 0.4, minThresh: 0, plan: 1 },
    mPerClass: 2, imageSize: null, validationClasses: 0, augmentation: 'glyphs',
    evalKs: [1, 2, 4, 8], evalMetrics: ['recall', 'mapAtR', 'nmi'], train: demoConfig(epochs, seed),
  };
}

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative integer`);
  return n;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const epochs = envInt('DEMO_EPOCHS', 5);
  const seed = envInt('DEMO_SEED', 0);
  const outRoot = process.env.DEMO_OUT ? resolve(process.env.DEMO_OUT) : join(ROOT, 'data', 'runs');
  const info = await initBackend(undefined, { quiet: true });
  const backend = describeBackend(info);
  console.log(backend);
  // lib/train/parallel: data-parallel training steps on worker threads (wasm only)
  const workers = info.name === 'wasm' ? trainWorkerCount() : 1;
  console.log(`[see-kit] training steps and evaluation on ${workers} worker thread(s) (SEE_WORKERS=${process.env.SEE_WORKERS ?? 'unset: the cores'})`);
  const glyphDir = join(ROOT, 'data', 'glyphs');
  if (!existsSync(join(glyphDir, 'manifest.json'))) {
    console.log(`building ${glyphDir} (400 classes x 21 fonts x 2 variants, once)...`);
    const s = await makeGlyphs({ outDir: glyphDir });
    console.log(`glyphs: ${s.images} images (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const specOf = (method: 'proxy_anchor' | 'see_proxy_anchor'): RunSpec => checkSpec(demoSpec(method, epochs, seed, join(ROOT, 'data')), 'demo');
  // both methods share the split and the transforms; evaluation as `see-kit evaluate` rebuilds it
  const data = buildData(specOf('proxy_anchor'));
  const { split } = data;
  console.log(`glyphs: ${split.train.length} train images of ${split.numTrainClasses} classes; ${split.test.length} test images of ${split.numTestClasses} unseen classes`);
  // curves: Recall@K only; the last epoch adds MAP@R and NMI (k-means is the slow part)
  const curve = datasetEvaluator({ samples: split.test, spec: data.evalSpec, ks: [1, 2, 4, 8], metrics: ['recall'], seed });
  const full = buildEvaluators(specOf('proxy_anchor'), data).evaluate;
  const evaluate: Evaluator = (model, epoch) => (epoch === epochs - 1 ? full : curve)(model, epoch);
  const stamp = makeRunId(`demo-seed${seed}`);
  const reports: MethodReport[] = [];
  for (const method of ['proxy_anchor', 'see_proxy_anchor'] as const) {
    const label = method === 'proxy_anchor' ? 'Proxy-Anchor' : 'SEE Proxy-Anchor';
    const spec = specOf(method);
    console.log(`\n== ${label}: ${epochs} epochs, batch ${spec.train.globalBatch} (90 classes x 2), seed ${seed}`);
    const model = buildModel(spec);
    const loss = buildLoss(spec, data.numTrainClasses);
    const runDir = new RunDir(join(outRoot, `${stamp}-${method}`));
    try {
      const m = await train({
        config: spec.train, model, loss, runDir, evaluate, progress: terminalProgress(),
        data: buildSource(spec, data), runInfo: runInfoOf(spec),
      });
      const log = runDir.readLog();
      reports.push({
        label,
        epochLoss: log.filter((r) => r.kind === 'epoch').map((r) => r.loss as number),
        recallCurve: m.history.map((h) => ({ epoch: h.epoch, r1: h.test.recallAtK['1'] })),
        final: {
          'R@1': m.last.test.recallAtK['1'], 'R@2': m.last.test.recallAtK['2'], 'R@4': m.last.test.recallAtK['4'], 'R@8': m.last.test.recallAtK['8'],
          'MAP@R': m.last.test.mapAtR ?? NaN, NMI: m.last.test.nmi ?? NaN, 'best-epoch R@1': m.best.test.recallAtK['1'],
        },
        stats: await embeddingStats(model, split.test, data.evalSpec, 4000, seed),
      });
      console.log(`${label}: last epoch R@1 ${(100 * m.last.test.recallAtK['1']).toFixed(2)} (run folder ${runDir.path})`);
    } finally {
      model.dispose();
      loss.dispose();
    }
  }
  const names = Object.keys(reports[0].final);
  console.log(`\nunseen glyph classes, last epoch (${epochs}), seed ${seed}, ${backend}`);
  console.log(`${'metric (%)'.padEnd(16)}${reports.map((r) => r.label.padStart(18)).join('')}${'SEE - PA'.padStart(10)}`);
  for (const k of names) {
    const [a, b] = reports.map((r) => 100 * r.final[k]);
    console.log(`${k.padEnd(16)}${reports.map((r) => (100 * r.final[k]).toFixed(2).padStart(18)).join('')}${(b - a).toFixed(2).padStart(10)}`);
  }
  for (const r of reports) {
    console.log(`${r.label}: feature norm ${r.stats.featureNorm.mean.toFixed(2)} +- ${r.stats.featureNorm.std.toFixed(2)}; angle same class ${r.stats.intraAngle.mean.toFixed(1)} deg, different class ${r.stats.interAngle.mean.toFixed(1)} deg`);
  }
  const reportPath = join(outRoot, `${stamp}-report.html`);
  writeReport(reportPath, reportHtml(`SEE vs Proxy-Anchor on glyphs (seed ${seed})`, backend, reports, [
    `${epochs} epochs, global batch 180 (90 classes x 2 images), AdamW lr 1e-3 (proxies 0.1), weight decay 1e-4, gradients clamped to +-10`,
    `backbone ${DEMO_BACKBONE.name} from scratch, ${DEMO_EMBEDDING_DIM}-d embeddings, 32 px inputs; SEE: n=8, lambda=0.2, threshold ramp 0 -> 0.4 (plan 1)`,
    'metrics on the 200 unseen classes, last epoch; one seed: differences of a point or two are within seed-to-seed noise',
    'SEE\'s loss includes lambda x the Proxy-Anchor loss of its synthetic points, so its loss curve sits above Proxy-Anchor\'s by construction',
    `total time ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  ]));
  console.log(`\nreport: ${reportPath}\ntotal ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`demo: ${err.message}`);
    process.exit(1);
  });
}
