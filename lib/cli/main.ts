/**
 * see-kit: the kit's command line (bin/see-kit).
 *   list [--status trainable|cited] [--dataset cub|cars|sop|inshop]   registry rows
 *   show <row>                                                         one row, recipe with reasons
 *   train <row | config.json> [--set key=value]... [--run-id id] [--resume <run id>]
 *   evaluate <run id | run dir>                                        rebuild, load checkpoint, score test split
 *   table                                                              finished runs beside the paper
 * Common: --runs-root <dir> (default data/runs), --data-root <dir> (default data), --backend wasm|cpu|tensorflow|auto.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { getRow, listRows } from '../experiments/registry';
import { backendInfo, describeBackend, initBackend, parseBackendRequest } from '../tf';
import { readCheckpoint, restoreCheckpoint } from '../train/checkpoint';
import { train, type RunMetrics } from '../train/loop';
import { terminalProgress } from '../train/progress';
import { DEFAULT_RUNS_ROOT, makeRunId, RunDir } from '../train/run_dir';
import { parseArgs } from './args';
import { buildData, buildEvaluators, buildLoss, buildModel, buildSource } from '../experiments/build_run';
import { resultsText } from '../experiments/results_table';
import { applyOverrides, checkSpec, readSpecFile, runInfoOf, specFromRow, type RunSpec } from '../experiments/run_spec';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = {
  status: 'value', dataset: 'value', set: 'value', 'run-id': 'value', resume: 'value',
  'runs-root': 'value', 'data-root': 'value', backend: 'value', help: 'switch',
} as const;

export const USAGE = `usage: see-kit <command>
  list [--status trainable|cited] [--dataset cub|cars|sop|inshop]
  show <row>
  train <row | config.json> [--set key=value]... [--run-id id] [--resume <run id>]
  evaluate <run id | run dir>
  table
options: --runs-root <dir> (data/runs)  --data-root <dir> (data)  --backend auto|tensorflow|wasm|cpu`;

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(1));

function fmtMetrics(m: RunMetrics['best']['test']): string {
  const r = Object.entries(m.recallAtK).map(([k, v]) => `R@${k} ${(100 * v).toFixed(1)}`).join('  ');
  const extra = [m.mapAtR !== undefined ? `MAP@R ${(100 * m.mapAtR).toFixed(1)}` : '', m.nmi !== undefined ? `NMI ${(100 * m.nmi).toFixed(1)}` : ''];
  return [r, ...extra].filter(Boolean).join('  ');
}

function runDirOf(arg: string, runsRoot: string): RunDir {
  const path = isAbsolute(arg) || arg.includes('/') ? arg : join(runsRoot, arg);
  if (!existsSync(join(path, 'config.json'))) throw new Error(`${path} is not a run folder (no config.json); runs are under ${runsRoot}`);
  return new RunDir(path);
}

async function commandTrain(positionals: string[], flags: Record<string, string | true>, sets: string[], io: CliIo, runsRoot: string, dataRoot: string | undefined): Promise<void> {
  let spec: RunSpec;
  let runDir: RunDir;
  const resume = typeof flags.resume === 'string' ? flags.resume : undefined;
  if (resume) {
    runDir = runDirOf(resume, runsRoot);
    spec = checkSpec(runDir.readConfig<RunSpec>(), runDir.configPath);
    if (sets.length) throw new Error('--resume continues a run with its saved configuration; --set is not allowed with it');
  } else {
    const target = positionals[0];
    if (!target) throw new Error(`train needs a row id or a config file\n${USAGE}`);
    spec = target.endsWith('.json') ? readSpecFile(target) : specFromRow(target, dataRoot);
    if (dataRoot) spec.dataRoot = dataRoot;
    spec = applyOverrides(spec, sets);
    const id = typeof flags['run-id'] === 'string' ? flags['run-id'] : makeRunId(spec.name);
    runDir = new RunDir(join(runsRoot, id));
    if (runDir.hasCheckpoint()) throw new Error(`run folder ${runDir.path} already has a checkpoint; use --resume ${id} or another --run-id`);
  }
  const data = buildData(spec);
  const model = buildModel(spec);
  const loss = buildLoss(spec, data.numTrainClasses);
  try {
    io.out(`run ${runDir.id}: ${spec.loss} on ${spec.dataset} (${data.train.length} train images, ${data.numTrainClasses} classes), ${spec.backbone} -> ${spec.embeddingDim}-d, ${spec.train.epochs} epochs`);
    io.out(describeBackend(backendInfo()));
    const m = await train({
      config: spec.train, model, loss, data: buildSource(spec, data), ...buildEvaluators(spec, data),
      runDir, resume: Boolean(resume), progress: terminalProgress(), runInfo: runInfoOf(spec),
    });
    io.out(`best epoch ${m.best.epoch}: ${fmtMetrics(m.best.test)}`);
    io.out(`last epoch ${m.last.epoch}: ${fmtMetrics(m.last.test)}`);
    if (m.selectedByValidation) io.out(`validation-selected epoch ${m.selectedByValidation.epoch}: ${fmtMetrics(m.selectedByValidation.test)}`);
    io.out(`run folder: ${runDir.path}`);
  } finally {
    model.dispose();
    loss.dispose();
  }
}

async function commandEvaluate(positionals: string[], io: CliIo, runsRoot: string, dataRoot: string | undefined): Promise<void> {
  if (!positionals[0]) throw new Error(`evaluate needs a run id or run folder\n${USAGE}`);
  const runDir = runDirOf(positionals[0], runsRoot);
  const saved = checkSpec(runDir.readConfig<RunSpec>(), runDir.configPath);
  const spec = dataRoot ? { ...saved, dataRoot } : saved;
  if (!runDir.hasCheckpoint()) throw new Error(`${runDir.path} has no checkpoint.safetensors to evaluate`);
  const data = buildData({ ...spec, weights: 'none' });
  const model = buildModel({ ...spec, weights: 'none' });
  const loss = buildLoss(spec, data.numTrainClasses);
  try {
    const ckpt = readCheckpoint(runDir.checkpointPath);
    restoreCheckpoint(ckpt, { model, loss }, runDir.checkpointPath);
    const m = await buildEvaluators(spec, data).evaluate(model, ckpt.state.epoch);
    io.out(`run ${runDir.id}, checkpoint of epoch ${ckpt.state.epoch}: ${fmtMetrics(m)}`);
  } finally {
    model.dispose();
    loss.dispose();
  }
}

/** Runs one command; returns the exit code. Errors are printed as one clear message. */
export async function main(argv: string[], io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  try {
    const { command, positionals, flags, sets } = parseArgs(argv, OPTIONS);
    const runsRoot = typeof flags['runs-root'] === 'string' ? flags['runs-root'] : DEFAULT_RUNS_ROOT;
    const dataRoot = typeof flags['data-root'] === 'string' ? flags['data-root'] : undefined;
    if (flags.help || command === 'help' || command === '--help') {
      io.out(USAGE);
      return 0;
    }
    switch (command) {
      case 'list': {
        const rows = listRows({
          status: flags.status === 'trainable' || flags.status === 'cited' ? flags.status : undefined,
          dataset: typeof flags.dataset === 'string' ? (flags.dataset as 'cub') : undefined,
        });
        for (const r of rows) {
          const p = r.paper ? Object.entries(r.paper).map(([k, v]) => `R@${k} ${pct(v)}`).join(' ') : 'paper: -';
          io.out(`${r.id.padEnd(24)} ${r.status.padEnd(9)} ${r.method.padEnd(10)} ${r.arch.padEnd(7)} ${r.dataset.padEnd(6)} ${p}${r.backbone ? `  [${r.backbone}]` : ''}`);
        }
        io.out(`${rows.length} rows`);
        return 0;
      }
      case 'show':
        if (!positionals[0]) throw new Error(`show needs a row id\n${USAGE}`);
        io.out(JSON.stringify(getRow(positionals[0]), null, 2));
        return 0;
      case 'table':
        io.out(resultsText(runsRoot));
        return 0;
      case 'train':
      case 'evaluate': {
        await initBackend(typeof flags.backend === 'string' ? parseBackendRequest(flags.backend) : undefined, { quiet: true });
        if (command === 'train') await commandTrain(positionals, flags, sets, io, runsRoot, dataRoot);
        else await commandEvaluate(positionals, io, runsRoot, dataRoot);
        return 0;
      }
      default:
        throw new Error(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (err) {
    io.err(`see-kit: ${(err as Error).message}`);
    return 1;
  }
}
