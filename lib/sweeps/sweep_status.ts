/**
 * Where a sweep stands, read from its run folders (on the shared file system) and, for a sweep
 * submitted to Slurm, from `squeue` (pending and running tasks) and `sacct` where accounting is
 * enabled (ended tasks). A run folder says: finished (metrics.json), running (a live lock: pid and
 * host), stopped or failed (the log's last life event), interrupted (a checkpoint and no live
 * process), or not started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { metricValues, recordOf, type EpochProtocol } from '../experiments/epoch_protocol';
import { readCheckpoint } from '../train/checkpoint';
import type { RunMetrics } from '../train/loop';
import { RunDir } from '../train/run_dir';
import { liveLockHolder } from '../train/run_lock';
import { onPath, submissions } from './slurm_job';
import type { PlannedRun } from './sweep_definition';
import type { SweepFolder, SweepPlan } from './sweep_folder';

export type RunState = 'finished' | 'running' | 'stopped' | 'failed' | 'interrupted' | 'not started';

export interface RunStatus {
  run: PlannedRun;
  state: RunState;
  detail: string;
  /** Slurm's view of the run's array task (e.g. "12_3 RUNNING node1"), when submitted */
  scheduler?: string;
}

function checkpointAt(dir: RunDir): string {
  if (!dir.hasCheckpoint()) return 'no checkpoint yet';
  try {
    const s = readCheckpoint(dir.checkpointPath).state;
    return s.inEpoch ? `checkpoint in epoch ${s.inEpoch.epoch + 1} after ${s.inEpoch.step} steps` : `checkpoint after epoch ${s.epoch + 1}`;
  } catch (err) {
    return `checkpoint unreadable (${(err as Error).message.split('\n')[0]})`;
  }
}

/** The state of one run from its folder. */
export function runStatus(folder: SweepFolder, run: PlannedRun, protocol: EpochProtocol): RunStatus {
  const path = folder.runPath(run);
  if (!existsSync(path)) return { run, state: 'not started', detail: '' };
  const dir = new RunDir(path);
  const metrics = dir.readMetrics<RunMetrics>();
  if (metrics) {
    const record = recordOf(metrics, protocol) ?? metrics.last;
    const [first, value] = Object.entries(metricValues(record.test))[0] ?? ['R@1', NaN];
    return { run, state: 'finished', detail: `${first} ${value.toFixed(2)} (epoch ${record.epoch + 1})` };
  }
  const holder = liveLockHolder(path);
  const log = dir.readLog();
  const steps = log.filter((r) => r.kind === 'step');
  const at = steps.length
    ? `epoch ${steps[steps.length - 1].epoch + 1} step ${Number(steps[steps.length - 1].step) + 1} of ${run.spec.train.epochs} epochs`
    : 'before its first step';
  if (holder) return { run, state: 'running', detail: `${at}; process ${holder.pid} on ${holder.host} since ${holder.since}` };
  const life = log.filter((r) => r.kind === 'event' && ['start', 'resume', 'stopped', 'failed'].includes(String(r.event))).pop();
  if (life?.event === 'stopped') return { run, state: 'stopped', detail: `stopped by ${String(life.signal)}; ${checkpointAt(dir)}` };
  if (life?.event === 'failed') return { run, state: 'failed', detail: String(life.error).split('\n')[0] };
  return { run, state: 'interrupted', detail: `no live process; ${checkpointAt(dir)}` };
}

function run(command: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0 && !r.error, out: r.stdout ?? '', err: (r.stderr ?? '').trim() || (r.error?.message ?? '') };
}

/** Slurm's state of each submitted array task, by run index (the latest submission wins), and notes on what could not be read. */
export function schedulerStates(folder: SweepFolder): { states: Map<number, string>; notes: string[] } {
  const states = new Map<number, string>();
  const notes: string[] = [];
  const subs = submissions(folder);
  if (subs.length === 0) return { states, notes };
  const jobs = subs.map((s) => s.jobId);
  const latest = new Map<number, string>();
  for (const s of subs) for (const i of s.indices) latest.set(i, s.jobId);
  const take = (line: string): void => {
    const [id, ...rest] = line.split('|');
    const m = /^(\d+)_(\d+)$/.exec(id.trim());
    if (m && latest.get(Number(m[2])) === m[1] && !states.has(Number(m[2])))
      states.set(Number(m[2]), `${id.trim()} ${rest.join(' ').trim()}`);
  };
  if (!onPath('squeue')) notes.push('squeue not found: Slurm states not shown');
  else {
    const q = run('squeue', ['-h', '-r', '-j', jobs.join(','), '-o', '%i|%T|%R']);
    if (q.ok) q.out.split('\n').filter(Boolean).forEach(take);
    else if (!/Invalid job id/i.test(q.err)) notes.push(`squeue failed: ${q.err}`);
  }
  if (onPath('sacct')) {
    const a = run('sacct', ['-n', '-P', '-X', '-j', jobs.join(','), '-o', 'JobID,State,ExitCode']);
    if (a.ok && !/disabled/i.test(a.out + a.err)) a.out.split('\n').filter(Boolean).forEach(take);
    else notes.push(`sacct: ${(a.err || a.out).split('\n')[0]} (ended tasks are read from the run folders)`);
  }
  return { states, notes };
}

/** Every run's status, with Slurm's view where the sweep was submitted. */
export function sweepStatus(folder: SweepFolder, plan: SweepPlan): { runs: RunStatus[]; notes: string[] } {
  const { states, notes } = schedulerStates(folder);
  const runs = plan.runs.map((r) => {
    const s = runStatus(folder, r, plan.protocol);
    const q = states.get(r.index);
    return q ? { ...s, scheduler: q } : s;
  });
  return { runs, notes };
}

/** Text for the terminal. */
export function statusText(folder: SweepFolder, plan: SweepPlan, status: { runs: RunStatus[]; notes: string[] }): string {
  const count = (s: RunState): number => status.runs.filter((r) => r.state === s).length;
  const states: RunState[] = ['finished', 'running', 'stopped', 'interrupted', 'failed', 'not started'];
  const idWidth = Math.max(...status.runs.map((r) => r.run.id.length));
  return [
    `sweep ${plan.name} (${folder.path}): ${status.runs.length} runs; ${states
      .filter((s) => count(s))
      .map((s) => `${count(s)} ${s}`)
      .join(', ')}`,
    ...status.runs.map(
      (r) =>
        `${String(r.run.index).padStart(3)}  ${r.run.id.padEnd(idWidth)}  ${r.state.padEnd(11)}  ${r.detail}${r.scheduler ? `  [slurm ${r.scheduler}]` : ''}`,
    ),
    ...status.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
