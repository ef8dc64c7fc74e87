/**
 * `see-kit sweep` and `see-kit sweep-task`: parse the arguments and print; the sweep machinery is in
 * lib/sweeps/.
 *   sweep <sweep.json> [--jobs N] [--backend b]          run it here on a pool of processes, then gather
 *   sweep <sweep.json> --slurm [--dry-run] [--backend webgpu] [--time 24:00:00] [--mem 32G]
 *         [--gres gpu:1] [--cpus-per-task 4] [--partition p] [--account a] [--stop-before 300]
 *   sweep --status <sweep.json | sweep folder>           run folders (+ squeue/sacct)
 *   sweep <sweep.json | sweep folder> --gather [--protocol best-test|last|validation]
 *   sweep-task <sweep folder> [index]                    one run (index default: SLURM_ARRAY_TASK_ID)
 * Common: --runs-root <dir> (data/runs), --data-root <dir>.
 */
import { existsSync, statSync } from 'node:fs';
import { parseEpochProtocol } from '../experiments/epoch_protocol';
import { DEFAULT_RUNS_ROOT } from '../train/run_dir';
import { writeFileAtomic } from '../train/atomic_write';
import { describeBackend, initBackend, parseBackendRequest } from '../tf';
import { gatherSweep, type SweepResults } from '../sweeps/gather';
import { parseJobs } from '../sweeps/jobs';
import { expandChecked, runSweep } from '../sweeps/run_sweep';
import { checkSlurmOptions, DEFAULT_SLURM, onPath, sbatchScript, submitArray, type SlurmOptions } from '../sweeps/slurm_job';
import { readSweepFile } from '../sweeps/sweep_definition';
import { mergePlan, preparePlan, SweepFolder, sweepFolderOf, type SweepPlan } from '../sweeps/sweep_folder';
import { sweepReport } from '../sweeps/sweep_report';
import { statusText, sweepStatus } from '../sweeps/sweep_status';
import { isFinished } from '../sweeps/run_task';
import { runTaskProcess } from '../sweeps/task_process';
import { parseArgs } from './args';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = {
  jobs: 'value',
  slurm: 'switch',
  'dry-run': 'switch',
  status: 'value',
  gather: 'switch',
  protocol: 'value',
  backend: 'value',
  time: 'value',
  mem: 'value',
  gres: 'value',
  'cpus-per-task': 'value',
  partition: 'value',
  account: 'value',
  'stop-before': 'value',
  'runs-root': 'value',
  'data-root': 'value',
} as const;

export const SWEEP_USAGE = `  sweep <sweep.json> [--jobs N]                      runs here, N processes at once (default: cores / SEE_WORKERS)
  sweep <sweep.json> --slurm [--dry-run] [--backend webgpu] [--time 24:00:00] [--mem 32G] [--gres gpu:1]
        [--cpus-per-task 4] [--partition p] [--account a] [--stop-before 300]
  sweep --status <sweep.json | sweep folder>
  sweep <sweep.json | sweep folder> --gather [--protocol best-test|last|validation]
  sweep-task <sweep folder> [index]                  one run of a sweep (Slurm: index = SLURM_ARRAY_TASK_ID)`;

type Flags = Record<string, string | true>;
const str = (f: Flags, k: string): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

/** A sweep file (its folder under the runs root) or a sweep folder. */
function folderOf(target: string, runsRoot: string): SweepFolder {
  if (existsSync(target) && statSync(target).isDirectory()) return new SweepFolder(target);
  return sweepFolderOf(readSweepFile(target), runsRoot);
}

function slurmOptions(f: Flags): SlurmOptions {
  const int = (k: string, fallback: number): number => (str(f, k) === undefined ? fallback : Number(str(f, k)));
  const backend = str(f, 'backend') ?? DEFAULT_SLURM.backend;
  return checkSlurmOptions({
    backend,
    time: str(f, 'time') ?? DEFAULT_SLURM.time,
    mem: str(f, 'mem') ?? DEFAULT_SLURM.mem,
    gres: str(f, 'gres') ?? DEFAULT_SLURM.gres,
    cpusPerTask: int('cpus-per-task', DEFAULT_SLURM.cpusPerTask),
    stopBefore: int('stop-before', DEFAULT_SLURM.stopBefore),
    ...(str(f, 'partition') ? { partition: str(f, 'partition') } : {}),
    ...(str(f, 'account') ? { account: str(f, 'account') } : {}),
  });
}

function gatherAndPrint(folder: SweepFolder, plan: SweepPlan, io: Io, protocol = plan.protocol): SweepResults {
  const results = gatherSweep(folder, plan, protocol);
  writeFileAtomic(folder.resultsPath, JSON.stringify(results, null, 2) + '\n');
  io.out(sweepReport(results));
  io.out(`results: ${folder.resultsPath}`);
  return results;
}

async function commandSweep(file: string, f: Flags, io: Io, runsRoot: string): Promise<number> {
  const backend = str(f, 'backend');
  if (backend) parseBackendRequest(backend);
  const def = readSweepFile(file);
  const runs = expandChecked(def, str(f, 'data-root'));
  const folder = sweepFolderOf(def, runsRoot);
  if (f.slurm) {
    const options = slurmOptions(f);
    const dryRun = Boolean(f['dry-run']);
    const plan = dryRun ? mergePlan(folder.hasPlan() ? folder.readPlan() : undefined, def, runs) : preparePlan(folder, def, runs);
    const todo = plan.runs.filter((r) => !isFinished(folder, r)).map((r) => r.index);
    if (todo.length === 0) {
      io.out(`sweep ${plan.name}: every run has finished; gather with see-kit sweep ${file} --gather`);
      return 0;
    }
    if (dryRun) {
      io.out(`# dry run: nothing written or submitted (without --dry-run the plan goes to ${folder.planPath} and sbatch submits this)`);
      io.out(sbatchScript(folder, plan, todo, options));
      return 0;
    }
    const script = sbatchScript(folder, plan, todo, options);
    if (!onPath('sbatch'))
      throw new Error(
        `sbatch is not on PATH; print the job script with --dry-run and submit it where Slurm runs (the plan is ${folder.planPath})`,
      );
    const sub = submitArray(folder, script, todo);
    io.out(`submitted Slurm job ${sub.jobId}: ${todo.length} array task(s) of sweep ${plan.name} (script ${sub.script})`);
    io.out(`follow it with: see-kit sweep --status ${file}; when every run has finished: see-kit sweep ${file} --gather`);
    return 0;
  }
  const { pool: outcome, results } = await runSweep(def, {
    runsRoot,
    dataRoot: str(f, 'data-root'),
    jobs: str(f, 'jobs') ? parseJobs(str(f, 'jobs') as string) : undefined,
    onLine: io.out,
    env: backend ? { SEE_BACKEND: backend } : {},
    allowFailures: true,
    onPlan: (plan, dir, jobs, workers) => {
      const done = plan.runs.filter((r) => isFinished(dir, r)).length;
      io.out(
        `sweep ${plan.name}: ${plan.runs.length} runs (${plan.variants.length} variants x ${plan.seeds.length} seeds), ${done} finished before; ${jobs} at once, ${workers} training thread(s) each; ${dir.path}`,
      );
    },
  });
  io.out(sweepReport(results));
  io.out(`results: ${folder.resultsPath}`);
  for (const failure of outcome.failed)
    io.err(
      `run ${failure.id} failed (exit ${failure.code ?? failure.signal ?? '-'}):\n  ${failure.tail.join('\n  ')}\n  (its whole output: ${failure.log})`,
    );
  if (outcome.stopped) {
    io.err(`sweep stopped by ${outcome.stopped}: running runs wrote checkpoints; start the same command again to continue`);
    return outcome.stopped === 'SIGINT' ? 130 : 143;
  }
  return outcome.failed.length ? 1 : 0;
}

export async function sweepMain(argv: string[], io: Io): Promise<number> {
  const { command, positionals, flags } = parseArgs(argv, OPTIONS);
  const runsRoot = str(flags, 'runs-root') ?? DEFAULT_RUNS_ROOT;
  if (command === 'sweep-task') {
    io.out(describeBackend(await initBackend(undefined, { quiet: true }))); // SEE_BACKEND, as the pool or the job script set it
    return runTaskProcess(positionals[0], positionals[1], io);
  }
  const status = str(flags, 'status');
  if (status) {
    const folder = folderOf(status, runsRoot);
    const plan = folder.readPlan();
    io.out(statusText(folder, plan, sweepStatus(folder, plan)));
    return 0;
  }
  const target = positionals[0];
  if (!target) throw new Error(`sweep needs a sweep file\nusage:\n${SWEEP_USAGE}`);
  if (flags.gather) {
    const folder = folderOf(target, runsRoot);
    const plan = folder.readPlan();
    const results = gatherAndPrint(
      folder,
      plan,
      io,
      str(flags, 'protocol') ? parseEpochProtocol(str(flags, 'protocol'), '--protocol') : plan.protocol,
    );
    if (results.unfinished.length) {
      io.err(`${results.unfinished.length} run(s) have not finished: ${results.unfinished.join(', ')} (see-kit sweep --status ${target})`);
      return 1;
    }
    return 0;
  }
  return commandSweep(target, flags, io, runsRoot);
}
