/**
 * One training process per run folder. `run.lock` holds the owner's pid, host, start time and
 * (on Linux) the kernel's start tick of that pid. It is created atomically with its content
 * (written under a temporary name, then hard-linked to run.lock, which fails if one exists).
 * A second process finds the lock and refuses with who holds it. A lock whose process is gone
 * (killed with SIGKILL, machine rebooted) or whose pid now belongs to another process is stale:
 * the next process moves it aside and takes over, so a kill never leaves a run stuck.
 * A lock held from another host cannot be checked and is never taken over, except by a later run
 * of the same Slurm job (a requeued task, maybe on another node: its SLURM_RESTART_COUNT is higher,
 * and Slurm runs a job once at a time, so the holder is dead).
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { slurmTask } from './scheduler_env';

export const LOCK_FILE = 'run.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  since: string;
  /** field 22 of /proc/<pid>/stat (start time in clock ticks since boot), where /proc exists */
  processStart?: string;
  /** SLURM_JOB_ID and SLURM_RESTART_COUNT (0 when unset) of the holder, when it ran under Slurm */
  slurmJob?: string;
  slurmRestart?: number;
}

export class RunLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder | undefined,
    reason: string,
  ) {
    super(
      `run folder ${join(lockPath, '..')} is in use: ${reason}. Wait for that process to finish or stop it ` +
        `(SIGTERM stops at the next step with a checkpoint); if you are sure no process uses the folder, delete ${lockPath}`,
    );
    this.name = 'RunLockedError';
  }
}

/** Fields 3 on of /proc/<pid>/stat (after the command name), where /proc exists. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function processStart(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** A killed process nobody has reaped yet (a zombie: where PID 1 does not reap orphans, as in some containers). */
function isZombie(pid: number): boolean {
  const state = procStat(pid)?.[0];
  return state === 'Z' || state === 'X';
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the holder still runs: false when its pid is gone (or a zombie) or was reused by another process. */
export function holderAlive(h: LockHolder): boolean {
  const slurm = slurmTask();
  if (slurm && h.slurmJob === slurm.jobId && (h.slurmRestart ?? 0) < Number(slurm.restartCount ?? 0)) {
    return false; // an earlier run of this Slurm job, which has been requeued since: Slurm runs a job once at a time
  }
  if (h.host !== hostname()) return true; // cannot be checked from here
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (isZombie(h.pid)) return false;
  return !(h.processStart && processStart(h.pid) !== undefined && processStart(h.pid) !== h.processStart);
}

function describe(h: LockHolder): string {
  const self =
    h.pid === process.pid && h.host === hostname() ? ' (this process: an earlier training call on this folder has not finished)' : '';
  return `process ${h.pid} on ${h.host} has held it since ${h.since}${self}`;
}

/** Who holds the folder's lock, if a live process does (reads only; writes nothing). */
export function liveLockHolder(dir: string): LockHolder | undefined {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return undefined;
  const h = parseHolder(readFileSync(path, 'utf8'));
  return h && holderAlive(h) ? h : undefined;
}

/**
 * Removes the folder's lock when its holder is gone (stale), for a run nobody will start again: a
 * finished run whose process was killed between writing metrics.json and releasing its lock. Returns
 * the removed holder; a live holder's lock, one from another host and a file the kit did not write
 * stay.
 */
export function removeStaleLock(dir: string): LockHolder | undefined {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return undefined;
  const h = parseHolder(readFileSync(path, 'utf8'));
  if (!h || holderAlive(h)) return undefined;
  rmSync(path, { force: true });
  return h;
}

/** Throws RunLockedError when a live process holds the folder. */
export function assertNotLocked(dir: string): void {
  const h = liveLockHolder(dir);
  if (h) throw new RunLockedError(join(dir, LOCK_FILE), h, describe(h));
}

export class RunLock {
  private released = false;

  constructor(
    readonly path: string,
    private readonly content: string,
    /** the stale lock this process replaced, for the run log */
    readonly replaced: LockHolder | undefined,
    private readonly createdDir: string | undefined,
  ) {}

  /**
   * Removes the lock (if still ours), and the run folder when this lock created it and it stayed
   * empty. Never throws: a lock that cannot be removed (the folder became read-only) is stale
   * once this process exits, and the next run takes it over.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (existsSync(this.path) && readFileSync(this.path, 'utf8') === this.content) rmSync(this.path);
      if (this.createdDir && existsSync(this.createdDir) && readdirSync(this.createdDir).length === 0) rmdirSync(this.createdDir);
    } catch {
      /* see above */
    }
  }
}

/** Takes the folder's lock (creating the folder), replacing a stale one; throws RunLockedError if held. */
export function acquireRunLock(dir: string): RunLock {
  const createdDir = existsSync(dir) ? undefined : dir;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const slurm = slurmTask();
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    processStart: processStart(process.pid),
    ...(slurm ? { slurmJob: slurm.jobId, slurmRestart: Number(slurm.restartCount ?? 0) } : {}),
  };
  const content = JSON.stringify(me) + '\n';
  const tmp = join(dir, `.${LOCK_FILE}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, content);
  } catch (err) {
    throw new Error(`cannot create the run lock in ${dir} (${(err as Error).message}); the run folder must be writable`);
  }
  let replaced: LockHolder | undefined;
  try {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        linkSync(tmp, path);
        return new RunLock(path, content, replaced, createdDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // removed meanwhile: try again
      }
      const holder = parseHolder(text);
      if (!holder) throw new RunLockedError(path, undefined, `${path} exists but is not a lock this kit wrote`);
      if (holderAlive(holder)) throw new RunLockedError(path, holder, describe(holder));
      // stale: move it aside, and put it back if another process replaced it in the meantime
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      if (readFileSync(aside, 'utf8') === text) replaced = holder;
      else
        try {
          linkSync(aside, path);
        } catch {
          /* a third process holds it now */
        }
      rmSync(aside, { force: true });
    }
    throw new RunLockedError(path, undefined, 'other processes keep taking and releasing the lock');
  } finally {
    rmSync(tmp, { force: true });
  }
}
