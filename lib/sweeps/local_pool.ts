/**
 * Local execution of a sweep: a pool of `jobs` worker processes, each running one run at a time as
 * `see-kit sweep-task <folder> <index>` (./task_process.ts), until every run of the plan has
 * finished. Runs that finished before are skipped; runs that started before resume from their
 * checkpoints (the task decides). Each process's output goes to tasks/<run id>.log and, prefixed
 * with the run id, to `onLine`. A run whose folder a live process still holds (an orphan of a
 * killed sweep writing its last checkpoint) waits for it. SIGTERM or SIGINT to the pool is passed
 * on to the running tasks, which stop at a step boundary with a checkpoint; nothing new starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { liveLockHolder } from '../train/run_lock';
import { skipIfFinished } from './run_task';
import type { PlannedRun } from './sweep_definition';
import type { SweepFolder, SweepPlan } from './sweep_folder';

const BIN = join(__dirname, '..', '..', 'bin', 'see-kit');

export interface PoolOptions {
  jobs: number;
  /** SEE_WORKERS each run process gets */
  workersPerRun: number;
  onLine?: (line: string) => void;
  /** extra environment for the run processes */
  env?: Record<string, string>;
  /** how long a run held by another live process is waited for (default 10 minutes) */
  lockWaitMs?: number;
}

export interface PoolFailure {
  id: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the last lines the process printed */
  tail: string[];
  /** the file with all of its output */
  log: string;
}

export interface PoolOutcome {
  trained: string[];
  skipped: string[];
  failed: PoolFailure[];
  /** the signal that stopped the pool, if one did */
  stopped?: NodeJS.Signals;
}

function startTask(folder: SweepFolder, run: PlannedRun, opts: PoolOptions, tail: string[]): ChildProcess {
  const logPath = folder.taskLogPath(run);
  mkdirSync(dirname(logPath), { recursive: true });
  const child = spawn(process.execPath, [BIN, 'sweep-task', folder.path, String(run.index)], {
    env: { ...process.env, ...opts.env, SEE_KIT_SWEEP_PARENT: String(process.pid), SEE_WORKERS: String(opts.workersPerRun) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pending = { out: '', err: '' };
  const take = (which: 'out' | 'err', chunk: Buffer): void => {
    const text = pending[which] + chunk.toString();
    const lines = text.split(/\r?\n|\r/);
    pending[which] = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      appendFileSync(logPath, line + '\n');
      tail.push(line);
      if (tail.length > 8) tail.shift();
      opts.onLine?.(`[${run.id}] ${line}`);
    }
  };
  child.stdout?.on('data', (c: Buffer) => take('out', c));
  child.stderr?.on('data', (c: Buffer) => take('err', c));
  return child;
}

export async function runPool(folder: SweepFolder, plan: SweepPlan, opts: PoolOptions): Promise<PoolOutcome> {
  const outcome: PoolOutcome = { trained: [], skipped: [], failed: [] };
  const queue: PlannedRun[] = [];
  for (const run of plan.runs) {
    if (skipIfFinished(folder, run)) outcome.skipped.push(run.id);
    else queue.push(run);
  }
  const active = new Map<string, ChildProcess>();
  const waitingSince = new Map<string, number>();
  let wake: () => void = () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    outcome.stopped = signal;
    for (const child of active.values()) child.kill('SIGTERM');
    wake();
  };
  const handlers = (['SIGTERM', 'SIGINT'] as const).map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    while ((queue.length > 0 && !outcome.stopped) || active.size > 0) {
      while (!outcome.stopped && active.size < opts.jobs) {
        const i = queue.findIndex((r) => !liveLockHolder(folder.runPath(r)));
        if (i < 0) break;
        const [run] = queue.splice(i, 1);
        const tail: string[] = [];
        const child = startTask(folder, run, opts, tail);
        active.set(run.id, child);
        child.on('exit', (code, signal) => {
          active.delete(run.id);
          if (code === 0) outcome.trained.push(run.id);
          else if (!outcome.stopped) outcome.failed.push({ id: run.id, code, signal, tail, log: folder.taskLogPath(run) });
          wake();
        });
      }
      for (const r of [...queue]) {
        const holder = liveLockHolder(folder.runPath(r));
        if (!holder) continue;
        const since = waitingSince.get(r.id) ?? Date.now();
        waitingSince.set(r.id, since);
        if (Date.now() - since > (opts.lockWaitMs ?? 600_000)) {
          queue.splice(queue.indexOf(r), 1);
          const why = `still held by process ${holder.pid} on ${holder.host} (since ${holder.since}) after ${Math.round((Date.now() - since) / 1000)} s; stop that process, or wait and start the sweep again`;
          outcome.failed.push({ id: r.id, code: null, signal: null, tail: [why], log: folder.taskLogPath(r) });
        }
      }
      if (active.size === 0 && (queue.length === 0 || outcome.stopped)) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
  return outcome;
}
