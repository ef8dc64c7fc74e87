/**
 * Slurm execution of a sweep: one `sbatch` job array, one task per unfinished run of the plan
 * (the array index is the run's index), each task `see-kit sweep-task <folder> $SLURM_ARRAY_TASK_ID`
 * on one GPU (`--gres`), with the backend, time, memory and CPUs given as options. Tasks are
 * requeueable: a preempted or requeued task starts again and resumes from its checkpoint, and
 * `--signal=B:USR1@<stopBefore>` lets a task checkpoint and requeue itself before its time limit
 * (./task_process.ts). The script `exec`s node, so Slurm's signals reach it. The run folders must
 * be on a file system the compute nodes share, and node and the kit at the same paths there.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { writeFileAtomic } from '../train/atomic_write';
import type { SweepFolder, SweepPlan } from './sweep_folder';

const REPO = join(__dirname, '..', '..');

export interface SlurmOptions {
  /** SEE_BACKEND of every task (webgpu: the GPU route) */
  backend: string;
  /** --time, e.g. 24:00:00 or 1-00:00:00 */
  time: string;
  /** --mem, e.g. 32G */
  mem: string;
  /** --gres, e.g. gpu:1; "none" leaves it out */
  gres: string;
  cpusPerTask: number;
  partition?: string;
  account?: string;
  /** seconds before the time limit at which a task checkpoints and requeues itself */
  stopBefore: number;
}

export const DEFAULT_SLURM: SlurmOptions = {
  backend: 'webgpu',
  time: '24:00:00',
  mem: '32G',
  gres: 'gpu:1',
  cpusPerTask: 4,
  stopBefore: 300,
};

export interface Submission {
  jobId: string;
  time: string;
  indices: number[];
  script: string;
}

/** Checks the options' formats (as sbatch would, before anything is written). */
export function checkSlurmOptions(o: SlurmOptions): SlurmOptions {
  if (!/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(o.time))
    throw new Error(`--time ${o.time}: expected minutes, HH:MM:SS or D-HH:MM:SS (sbatch --time)`);
  if (!/^\d+[KMGT]?$/.test(o.mem)) throw new Error(`--mem ${o.mem}: expected a size like 32G or 8000M (sbatch --mem)`);
  if (o.gres !== 'none' && !/^[A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)*(,[A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)*)*$/.test(o.gres))
    throw new Error(`--gres ${o.gres}: expected e.g. gpu:1 or gpu:h200:1 (or none)`);
  if (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1)
    throw new Error(`--cpus-per-task ${o.cpusPerTask}: expected a positive integer`);
  if (!Number.isInteger(o.stopBefore) || o.stopBefore < 0) throw new Error(`--stop-before ${o.stopBefore}: expected seconds >= 0`);
  for (const [k, v] of [
    ['partition', o.partition],
    ['account', o.account],
  ] as const) {
    if (v !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(v)) throw new Error(`--${k} ${v}: expected a Slurm ${k} name`);
  }
  return o;
}

/** `0-3,5,7-8`: sbatch's --array list of the indices. */
export function arraySpec(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The job script: one array task per index. */
export function sbatchScript(folder: SweepFolder, plan: SweepPlan, indices: number[], o: SlurmOptions, node = process.execPath): string {
  if (indices.length === 0) throw new Error(`sweep ${plan.name}: no run left to submit`);
  const directives = [
    `--job-name=see-${plan.name}`,
    `--array=${arraySpec(indices)}`,
    ...(o.gres === 'none' ? [] : [`--gres=${o.gres}`]),
    `--cpus-per-task=${o.cpusPerTask}`,
    `--mem=${o.mem}`,
    `--time=${o.time}`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    `--output=${join(folder.slurmDir, '%A_%a.out')}`,
    '--open-mode=append',
    '--requeue',
    ...(o.stopBefore > 0 ? [`--signal=B:USR1@${o.stopBefore}`] : []),
  ];
  return [
    '#!/bin/bash',
    `# see-kit sweep ${plan.name}: one array task per run of ${folder.planPath}`,
    `# (array index = run index; written by see-kit sweep --slurm; a task resumes its run from its checkpoint)`,
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -euo pipefail',
    `cd ${quote(REPO)}`,
    `export SEE_BACKEND=${quote(o.backend)}`,
    // training threads (wasm's data-parallel step) = the task's CPUs, never the node's cores
    `export SEE_WORKERS=${o.cpusPerTask}`,
    `exec ${quote(node)} ${quote(join(REPO, 'bin', 'see-kit'))} sweep-task ${quote(folder.path)} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

/** Whether an executable file `command` is in a folder of PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return statSync(join(dir, command)).isFile();
      } catch {
        return false;
      }
    });
}

/** Writes the script to slurm/<name>-<n>.sbatch, submits it with `sbatch --parsable`, records the job. */
export function submitArray(folder: SweepFolder, script: string, indices: number[]): Submission {
  mkdirSync(folder.slurmDir, { recursive: true });
  const path = join(folder.slurmDir, `sweep-${submissions(folder).length + 1}.sbatch`);
  writeFileAtomic(path, script);
  const r = spawnSync('sbatch', ['--parsable', path], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`sbatch could not be run (${r.error.message}); the job script is ${path}`);
  if (r.status !== 0) throw new Error(`sbatch refused ${path} (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
  const jobId = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch printed ${JSON.stringify(r.stdout.trim())}, not a job id; the job script is ${path}`);
  const submission: Submission = { jobId, time: new Date().toISOString(), indices, script: path };
  appendFileSync(join(folder.slurmDir, 'submissions.jsonl'), JSON.stringify(submission) + '\n');
  return submission;
}

/** Every submission of the sweep, oldest first. */
export function submissions(folder: SweepFolder): Submission[] {
  const path = join(folder.slurmDir, 'submissions.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Submission);
}
