/**
 * `npm run demo`: the kit's main job on the built-in glyphs benchmark. Builds data/glyphs if it is
 * missing, then runs a sweep (lib/sweeps/): Proxy-Anchor and SEE Proxy-Anchor, same small ResNet from
 * scratch, each with seeds 0, 1, 2 (a seed fixes the data order and the initialisation, so each
 * seed's two runs are a pair), on a pool of processes (one run per core unless SEE_WORKERS or
 * DEMO_JOBS say otherwise: the two runs of a seed side by side on two cores). Prints each
 * method's mean ± 95% interval over the seeds for Recall@1/2/4/8, MAP@R, R-Precision and NMI at
 * the last epoch, and the paired SEE - PA difference with its interval, saying whether it is
 * significant; writes an offline HTML report. Settings: DEMO_EPOCHS (5), DEMO_SEEDS (0,1,2),
 * DEMO_JOBS (runs at once), DEMO_OUT (data/runs), SEE_BACKEND (auto); QUICK=1: 2 epochs on the tiny QUICK glyphs. The sweep folder
 * holds sweep.json: `see-kit sweep <it>` continues an interrupted demo, `see-kit evaluate <run>`
 * re-scores any of its runs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BackboneEmbeddingModel } from '../backbones/model';
import { GLYPH_FONTS, makeGlyphs } from '../data/glyphs';
import { DEMO_BACKBONE, DEMO_EMBEDDING_DIM, demoSweepJson } from '../experiments/demo_spec';
import { restoreRun } from '../experiments/run_experiment';
import { describeBackend, initBackend } from '../tf';
import { writeFileAtomic } from '../train/atomic_write';
import { makeRunId, RunDir } from '../train/run_dir';
import { parseJobs } from '../sweeps/jobs';
import { runSweep } from '../sweeps/run_sweep';
import { defineSweep, type PlannedRun } from '../sweeps/sweep_definition';
import type { SweepFolder } from '../sweeps/sweep_folder';
import { comparisonSentence, meanPlusMinus, sweepReport } from '../sweeps/sweep_report';
import { reportHtml, writeReport, type MethodReport } from './demo_report';
import { embeddingStats, type EmbeddingStats } from './demo_stats';

const ROOT = resolve(__dirname, '..', '..');

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative integer`);
  return n;
}

function envSeeds(fallback: number[]): number[] {
  const v = process.env.DEMO_SEEDS;
  if (v === undefined || v === '') return fallback;
  const seeds = v.split(',').map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`DEMO_SEEDS=${v}: expected seeds like 0,1,2`);
  return seeds;
}

/** Norm and angle statistics of a finished run's test embeddings (its checkpoint, rebuilt here). */
async function statsOf(folder: SweepFolder, run: PlannedRun): Promise<EmbeddingStats> {
  const { run: built } = await restoreRun(new RunDir(folder.runPath(run)));
  try {
    if (!(built.model instanceof BackboneEmbeddingModel))
      throw new Error('demo: the statistics need a backbone + head model (training mode end_to_end)');
    return await embeddingStats(built.model, built.data.split.test, built.data.evalSpec, 4000, run.seed);
  } finally {
    built.dispose();
  }
}

/** Mean training loss per epoch over a method's runs (from their logs). */
function meanEpochLoss(folder: SweepFolder, runs: PlannedRun[]): number[] {
  const curves = runs.map((r) =>
    new RunDir(folder.runPath(r))
      .readLog()
      .filter((x) => x.kind === 'epoch')
      .map((x) => x.loss as number),
  );
  return curves[0].map((_, e) => curves.reduce((a, c) => a + c[e], 0) / curves.length);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const quick = process.env.QUICK === '1';
  const epochs = envInt('DEMO_EPOCHS', quick ? 2 : 5);
  const seeds = envSeeds([0, 1, 2]);
  const outRoot = process.env.DEMO_OUT ? resolve(process.env.DEMO_OUT) : join(ROOT, 'data', 'runs');
  const info = await initBackend(undefined, { quiet: true });
  const backend = describeBackend(info);
  console.log(backend);
  const dataRoot = quick ? join(ROOT, 'data', 'notebooks', 'quick') : join(ROOT, 'data');
  const glyphDir = join(dataRoot, 'glyphs');
  if (!existsSync(join(glyphDir, 'manifest.json'))) {
    console.log(`building ${glyphDir} (${quick ? '16 classes x 4 fonts x 2 variants' : '400 classes x 21 fonts x 2 variants'}, once)...`);
    const s = await makeGlyphs({ outDir: glyphDir, ...(quick ? { numClasses: 16, variants: 2, fonts: GLYPH_FONTS.slice(0, 4) } : {}) });
    console.log(`glyphs: ${s.images} images (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const name = makeRunId('demo');
  const json = demoSweepJson(name, epochs, seeds, dataRoot, quick);
  const sweepFile = join(outRoot, name, 'sweep.json');
  writeFileAtomic(sweepFile, JSON.stringify(json, null, 2) + '\n');
  const { folder, plan, results } = await runSweep(defineSweep(json, sweepFile), {
    runsRoot: outRoot,
    jobs: process.env.DEMO_JOBS ? parseJobs(process.env.DEMO_JOBS) : 'per-core',
    onLine: (l) => console.log(l),
    env: { SEE_BACKEND: info.name }, // the backend chosen here, not chosen again by each run
    onPlan: (p, dir, jobs, workers) => {
      console.log(
        `\n== Proxy-Anchor and SEE Proxy-Anchor, ${epochs} epochs each, seeds ${seeds.join(', ')}: ${p.runs.length} runs, ${jobs} at once (${workers} training thread(s) each)`,
      );
      console.log(
        `   batch ${p.runs[0].spec.train.globalBatch} (${p.runs[0].spec.train.globalBatch / 2} classes x 2); sweep folder ${dir.path}`,
      );
    },
  });
  console.log(`\nevaluated on the unseen (test) glyph classes, ${info.name} backend`);
  console.log(sweepReport(results));
  const reports: MethodReport[] = [];
  for (const cell of results.cells) {
    const runs = plan.runs.filter((r) => r.variant === cell.variant);
    reports.push({
      label: cell.variant,
      epochLoss: meanEpochLoss(folder, runs),
      final: Object.fromEntries(Object.entries(cell.metrics).map(([m, s]) => [m, meanPlusMinus(s)])),
      stats: await statsOf(folder, runs[0]),
    });
    const st = reports[reports.length - 1].stats;
    console.log(
      `${cell.variant}, seed ${runs[0].seed}: feature norm ${st.featureNorm.mean.toFixed(2)} ± ${st.featureNorm.std.toFixed(2)}; angle same class ${st.intraAngle.mean.toFixed(1)} deg, different class ${st.interAngle.mean.toFixed(1)} deg`,
    );
  }
  const comparisons = results.comparisons.map((c) => ({
    label: `${c.variant} - ${c.baseline} (paired)`,
    values: Object.fromEntries(Object.entries(c.metrics).map(([m, d]) => [m, meanPlusMinus(d, true)])),
  }));
  const reportPath = join(folder.path, 'report.html');
  writeReport(
    reportPath,
    reportHtml(`SEE vs Proxy-Anchor on glyphs (seeds ${seeds.join(', ')})`, backend, reports, comparisons, [
      ...results.comparisons.map((c) => comparisonSentence(c, results.level)),
      `metrics at the ${results.protocolText}; mean ± half-width of the 95% Student-t interval over ${seeds.length} seed(s)`,
      `${epochs} epochs, global batch ${plan.runs[0].spec.train.globalBatch}, AdamW lr 1e-3 (proxies 0.1), weight decay 1e-4, gradients clamped to +-10`,
      `backbone ${DEMO_BACKBONE.name} from scratch, ${DEMO_EMBEDDING_DIM}-d embeddings, 32 px inputs; SEE: n=8, lambda=0.2, threshold ramp 0 -> 0.4 (plan 1)`,
      "SEE's loss includes lambda x the Proxy-Anchor loss of its synthetic points, so its loss curve sits above Proxy-Anchor's by construction",
      `total time ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    ]),
  );
  console.log(`\nreport: ${reportPath}\ntotal ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`demo: ${err.message}`);
    process.exit(1);
  });
}
