/**
 * see-kit: the kit's command line (bin/see-kit).
 *   list [--status trainable|cited] [--dataset cub|cars|sop|inshop]   table rows
 *   list --losses                                                      the loss registry, options and defaults
 *   show <row>                                                         one row, recipe with reasons
 *   train <row | config.json> [--set key=value]... [--run-id id] [--resume <run id>]
 *   evaluate <run id | run dir>                                        rebuild, load checkpoint, score test split
 *   table [--runs] [--protocol best-test|last|validation]             finished runs beside the paper (seeds pooled)
 *   sweep ... | sweep-task ...                                         seeds x variants, here or on Slurm (./sweep_command.ts)
 *   data <row | config.json> [--set key=value]... [--out grid.png]     counts, skipped files, batches; a sample grid
 *   features <row | config.json> [--set key=value]...                  the backbone's features cached for a frozen-backbone run
 * Common: --runs-root <dir> (default data/runs), --data-root <dir> (default data), --features-root <dir>
 * (default data/features), --backend wasm|cpu|tensorflow|auto.
 * It parses arguments and prints; the runs themselves are checked, built and trained by lib/experiments
 * (runExperiment, evaluateRun). train stops at the next step with a checkpoint on SIGTERM or SIGINT
 * (exit 128 + signal number); a resume may be given a config, --set and --data-root, and train()
 * refuses any change but --data-root, naming the keys that differ from the checkpoint's configuration.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { LOSSES, lossNames } from '../losses/registry';
import { describeSchema } from '../options';
import { getRow, listRows } from '../experiments/registry';
import { parseEpochProtocol } from '../experiments/epoch_protocol';
import { resultsText } from '../experiments/results_table';
import { seedTableText } from '../experiments/seed_table';
import { cacheFeatures } from '../experiments/cache_features';
import { checkBatches, defaultGridPath, describeData, writeSampleGrid } from '../experiments/data_summary';
import { buildData } from '../experiments/build_run';
import { getMode } from '../experiments/modes';
import { checkImageFiles } from '../data/image_check';
import { evaluateRun, readRunSpec, runExperiment } from '../experiments/run_experiment';
import { specFromRow, type RunSpec } from '../experiments/run_spec';
import { applyOverrides, readSpecFile } from '../experiments/spec_merge';
import { backendInfo, describeBackend, initBackend, parseBackendRequest } from '../tf';
import type { RunMetrics } from '../train/loop';
import { plannedStep } from '../train/parallel/stepper';
import { terminalProgress } from '../train/progress';
import { DEFAULT_RUNS_ROOT, RunDir } from '../train/run_dir';
import { RunStoppedError, StopSignals } from '../train/stop_signal';
import { parseArgs } from './args';
import { SWEEP_USAGE, sweepMain } from './sweep_command';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = {
  status: 'value',
  dataset: 'value',
  losses: 'switch',
  set: 'value',
  'run-id': 'value',
  resume: 'value',
  'runs-root': 'value',
  'data-root': 'value',
  'features-root': 'value',
  out: 'value',
  backend: 'value',
  help: 'switch',
  runs: 'switch',
  protocol: 'value',
} as const;

export const USAGE = `usage: see-kit <command>
  list [--status trainable|cited] [--dataset cub|cars|sop|inshop] [--losses]
  show <row>
  train <row | config.json> [--set key=value]... [--run-id id] [--resume <run id>]
  evaluate <run id | run dir>
  table [--runs] [--protocol best-test|last|validation]
  data <row | config.json> [--set key=value]... [--out grid.png]
  features <row | config.json> [--set key=value]...
${SWEEP_USAGE}
options: --runs-root <dir> (data/runs)  --data-root <dir> (data)  --features-root <dir> (data/features)
  --backend auto|tensorflow|wasm|cpu
--set examples: train.epochs=5  loss.name=multi_similarity  loss.options.margin=0.2  embeddingDim=64
  train.frozenBackbone=true  dataset=folder  folder.trainClasses=0.5  folder.queryFraction=0.5`;

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(1));

function fmtMetrics(m: RunMetrics['best']['test']): string {
  const r = Object.entries(m.recallAtK)
    .map(([k, v]) => `R@${k} ${(100 * v).toFixed(1)}`)
    .join('  ');
  const extra = [
    m.mapAtR !== undefined ? `MAP@R ${(100 * m.mapAtR).toFixed(1)}` : '',
    m.nmi !== undefined ? `NMI ${(100 * m.nmi).toFixed(1)}` : '',
    m.bodyRecallAtK
      ? `(body: ${Object.entries(m.bodyRecallAtK)
          .map(([k, v]) => `R@${k} ${(100 * v).toFixed(1)}`)
          .join('  ')})`
      : '',
  ];
  return [r, ...extra].filter(Boolean).join('  ');
}

function runDirOf(arg: string, runsRoot: string): RunDir {
  const path = isAbsolute(arg) || arg.includes('/') ? arg : join(runsRoot, arg);
  if (!existsSync(join(path, 'config.json'))) throw new Error(`${path} is not a run folder (no config.json); runs are under ${runsRoot}`);
  return new RunDir(path);
}

function listLosses(io: CliIo): void {
  for (const name of lossNames()) {
    const e = LOSSES[name];
    io.out(`${name.padEnd(20)} ${e.title}${e.paperMethod ? ` (table method ${e.paperMethod})` : ''}: ${e.reference}`);
    for (const line of describeSchema(e.options)) io.out(`  ${line}`);
  }
  io.out(`${lossNames().length} losses; train one with --set loss.name=<name>, change an option with --set loss.options.<option>=<value>`);
}

function listTableRows(flags: Record<string, string | true>, io: CliIo): void {
  const rows = listRows({
    status: flags.status === 'trainable' || flags.status === 'cited' ? flags.status : undefined,
    dataset: typeof flags.dataset === 'string' ? (flags.dataset as 'cub') : undefined,
  });
  for (const r of rows) {
    const p = r.paper
      ? Object.entries(r.paper)
          .map(([k, v]) => `R@${k} ${pct(v)}`)
          .join(' ')
      : 'paper: -';
    io.out(
      `${r.id.padEnd(24)} ${r.status.padEnd(9)} ${r.method.padEnd(10)} ${r.arch.padEnd(7)} ${r.dataset.padEnd(6)} ${p}${r.backbone ? `  [${r.backbone}, ${r.loss ?? 'evaluation only'}]` : ''}`,
    );
  }
  io.out(`${rows.length} rows`);
}

/** The spec a `data` or `features` command names: a row or a config file, the data root, the overrides. */
function specOfTarget(command: string, positionals: string[], dataRoot: string | undefined, sets: string[]): RunSpec {
  const target = positionals[0];
  if (!target) throw new Error(`${command} needs a row id or a config file\n${USAGE}`);
  const spec = target.endsWith('.json') ? readSpecFile(target) : specFromRow(target, dataRoot);
  if (dataRoot) spec.dataRoot = dataRoot;
  return applyOverrides(spec, sets);
}

async function commandData(spec: RunSpec, out: string | undefined, io: CliIo): Promise<void> {
  const data = buildData({ ...spec, weights: 'none' }); // the data only: describing it needs no weights file (train checks it)
  for (const line of describeData(spec, data)) io.out(line);
  checkBatches(spec, data);
  await checkImageFiles([...data.train, ...data.validation, ...data.split.test].map((s) => s.path));
  io.out(`images: all ${data.split.train.length + data.split.test.length} pass the image check`);
  const path = out ?? defaultGridPath(spec);
  const rows = await writeSampleGrid(data, path);
  io.out(`sample grid: ${path} (${rows.length} classes: ${rows.map((r) => r.label).join('; ')})`);
}

async function commandFeatures(spec: RunSpec, featuresRoot: string | undefined, io: CliIo): Promise<void> {
  const cache = await cacheFeatures(spec, { featuresRoot, report: (l) => io.err(l) });
  const { identity, built } = cache.manifest;
  const { action, reasons, seconds } = cache.status;
  io.out(`features ${action}: ${cache.dir}${action === 'rebuilt' ? ` (the cache was stale: ${reasons.join('; ')})` : ''}`);
  io.out(
    `  ${identity.backbone} (${'file' in identity.weights ? `${identity.weights.file}, sha256 ${identity.weights.sha256.slice(0, 12)}...` : `random initialisation, seed ${identity.weights.randomInit.seed}`}), ` +
      `${identity.featureDim}-d; ${identity.images.train} training and ${identity.images.test} test images; ${identity.views ? `${identity.views} augmented views per training image` : 'evaluation transform only'}`,
  );
  io.out(`  computed in ${built.seconds.toFixed(1)} s on ${built.date} (${built.backend}); this command took ${seconds.toFixed(1)} s`);
}

async function commandTrain(
  positionals: string[],
  flags: Record<string, string | true>,
  sets: string[],
  io: CliIo,
  runsRoot: string,
  dataRoot: string | undefined,
  featuresRoot: string | undefined,
): Promise<void> {
  let spec: RunSpec;
  let runPath: string | undefined;
  const resume = typeof flags.resume === 'string' ? flags.resume : undefined;
  const target = positionals[0];
  const specOf = (t: string): RunSpec => (t.endsWith('.json') ? readSpecFile(t) : specFromRow(t, dataRoot));
  if (resume) {
    const saved = runDirOf(resume, runsRoot);
    runPath = saved.path;
    spec = target ? specOf(target) : readRunSpec(saved);
  } else {
    if (!target) throw new Error(`train needs a row id or a config file\n${USAGE}`);
    spec = specOf(target);
    runPath = typeof flags['run-id'] === 'string' ? join(runsRoot, flags['run-id']) : undefined; // undefined: a new folder under runsRoot
  }
  if (dataRoot) spec.dataRoot = dataRoot;
  spec = applyOverrides(spec, sets);
  const stop = new StopSignals();
  try {
    const { metrics: m, runDir } = await runExperiment(spec, {
      runPath,
      runsRoot,
      resume: Boolean(resume),
      progress: terminalProgress(),
      stop,
      featuresRoot,
      report: (l) => io.err(l),
      onStart: (run, dir) => {
        if (getMode(spec.mode.name).evaluationOnly) {
          io.out(
            `run ${dir.id}: evaluation only (nothing trains) of ${spec.backbone} with head ${spec.head.name} on ${spec.dataset} (${run.data.split.test.length} test images, ${run.data.split.numTestClasses} classes)`,
          );
        } else {
          io.out(
            `run ${dir.id}: ${spec.loss.name} on ${spec.dataset} (${run.data.train.length} train images, ${run.data.numTrainClasses} classes), ${spec.backbone} -> ${spec.embeddingDim}-d, ${spec.train.epochs} epochs` +
              `${spec.mode.name === 'end_to_end' ? '' : `, training mode ${spec.mode.name}`}`,
          );
        }
        io.out(describeBackend(backendInfo()));
        io.out(`[see-kit] ${plannedStep(run.model).description}`);
      },
    });
    if (m.epochs === 0) io.out(`evaluation: ${fmtMetrics(m.last.test)}`);
    else {
      io.out(
        `best epoch ${m.best.epoch}: ${fmtMetrics(m.best.test)}${m.bestFrom === 'last' ? '  (the run reached no official evaluation epoch: this is its last epoch)' : ''}`,
      );
      io.out(`last epoch ${m.last.epoch}: ${fmtMetrics(m.last.test)}`);
    }
    if (m.selectedByValidation)
      io.out(`validation-selected epoch ${m.selectedByValidation.epoch}: ${fmtMetrics(m.selectedByValidation.test)}`);
    if (m.skippedSteps)
      io.out(
        `warning: ${m.skippedSteps} step(s) were skipped for a non-finite loss or gradient (train.nonFinite "skip"); see the log's events`,
      );
    io.out(`run folder: ${runDir.path}`);
  } finally {
    stop.dispose();
  }
}

async function commandEvaluate(
  positionals: string[],
  io: CliIo,
  runsRoot: string,
  dataRoot: string | undefined,
  featuresRoot: string | undefined,
): Promise<void> {
  if (!positionals[0]) throw new Error(`evaluate needs a run id or run folder\n${USAGE}`);
  const runDir = runDirOf(positionals[0], runsRoot);
  const { epoch, inEpoch, evaluationOnly, metrics } = await evaluateRun(runDir, { dataRoot, featuresRoot, report: (l) => io.err(l) });
  const what = evaluationOnly
    ? 'evaluation only (no checkpoint)'
    : `checkpoint of epoch ${inEpoch ? `${inEpoch.epoch} after ${inEpoch.step} of its steps (stopped)` : epoch}`;
  io.out(`run ${runDir.id}, ${what}: ${fmtMetrics(metrics)}`);
}

/** Runs one command; returns the exit code. Errors are printed as one clear message. */
export async function main(argv: string[], io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  try {
    if (argv[0] === 'sweep' || argv[0] === 'sweep-task') return await sweepMain(argv, io);
    const { command, positionals, flags, sets } = parseArgs(argv, OPTIONS);
    const runsRoot = typeof flags['runs-root'] === 'string' ? flags['runs-root'] : DEFAULT_RUNS_ROOT;
    const dataRoot = typeof flags['data-root'] === 'string' ? flags['data-root'] : undefined;
    const featuresRoot = typeof flags['features-root'] === 'string' ? flags['features-root'] : undefined;
    if (flags.help || command === 'help' || command === '--help') {
      io.out(USAGE);
      return 0;
    }
    switch (command) {
      case 'list':
        if (flags.losses) listLosses(io);
        else listTableRows(flags, io);
        return 0;
      case 'show':
        if (!positionals[0]) throw new Error(`show needs a row id\n${USAGE}`);
        io.out(JSON.stringify(getRow(positionals[0]), null, 2));
        return 0;
      case 'table': {
        const protocol = typeof flags.protocol === 'string' ? parseEpochProtocol(flags.protocol, '--protocol') : 'best-test';
        if (flags.runs && flags.protocol)
          throw new Error('table --runs shows best-epoch and last-epoch columns side by side; --protocol applies to the pooled table');
        io.out(flags.runs ? resultsText(runsRoot) : seedTableText(runsRoot, protocol));
        return 0;
      }
      case 'data':
        await commandData(specOfTarget(command, positionals, dataRoot, sets), typeof flags.out === 'string' ? flags.out : undefined, io);
        return 0;
      case 'train':
      case 'evaluate':
      case 'features': {
        await initBackend(typeof flags.backend === 'string' ? parseBackendRequest(flags.backend) : undefined, { quiet: true });
        if (command === 'train') await commandTrain(positionals, flags, sets, io, runsRoot, dataRoot, featuresRoot);
        else if (command === 'evaluate') await commandEvaluate(positionals, io, runsRoot, dataRoot, featuresRoot);
        else await commandFeatures(specOfTarget(command, positionals, dataRoot, sets), featuresRoot, io);
        return 0;
      }
      default:
        throw new Error(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (err) {
    io.err(`see-kit: ${(err as Error).message}`);
    return err instanceof RunStoppedError ? err.exitCode : 1;
  }
}
