import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  acquireRunLock,
  assertNotLocked,
  holderAlive,
  liveLockHolder,
  LOCK_FILE,
  removeStaleLock,
  RunLockedError,
} from '../../lib/train/run_lock';

const root = mkdtempSync(join(tmpdir(), 'see-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** the pid of a process that has exited (no process has it now, barring reuse within the test) */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

test('a held lock refuses a second taker, naming the holder; release removes it', () => {
  const dir = join(root, 'held');
  const lock = acquireRunLock(dir);
  const holder = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.host, hostname());
  assert.throws(
    () => acquireRunLock(dir),
    (err: Error) => {
      assert.ok(err instanceof RunLockedError);
      assert.match(err.message, new RegExp(`run folder ${dir} is in use: process ${process.pid} on ${hostname()} has held it since`));
      assert.match(err.message, /delete .*run\.lock/);
      return true;
    },
  );
  assert.throws(() => assertNotLocked(dir), RunLockedError);
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  assert.equal(existsSync(dir), false, 'the folder the lock created is removed again while empty');
  assert.doesNotThrow(() => assertNotLocked(dir));
});

test('a lock left by a killed process is stale and taken over; one with a reused pid too', () => {
  const dir = join(root, 'stale');
  const first = acquireRunLock(dir);
  writeFileSync(join(dir, 'config.json'), '{}');
  const dead = { pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead) + '\n');
  first.release(); // not ours any more: left in place
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  assert.equal(holderAlive(dead), false);
  assert.equal(liveLockHolder(dir), undefined);
  const second = acquireRunLock(dir);
  assert.deepEqual(second.replaced, dead);
  second.release();
  assert.deepEqual(readdirSync(dir), ['config.json'], 'the folder stays: it holds a run');
  // our own pid, but another process start time: the pid was reused, the lock is stale
  const reused = { pid: process.pid, host: hostname(), since: 'x', processStart: '1' };
  assert.equal(holderAlive(reused), false);
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(reused));
  const third = acquireRunLock(dir);
  assert.equal(third.replaced?.processStart, '1');
  third.release();
});

test('a lock from another host, or a file the kit did not write, is never taken over', () => {
  const dir = join(root, 'foreign');
  const lock = acquireRunLock(dir);
  lock.release();
  writeFileSync(join(root, 'keep'), '');
  const other = { pid: deadPid(), host: `${hostname()}-elsewhere`, since: 'then' };
  writeFileSync(join(root, LOCK_FILE), JSON.stringify(other));
  assert.throws(() => acquireRunLock(root), new RegExp(`process ${other.pid} on ${other.host}-?`));
  writeFileSync(join(root, LOCK_FILE), 'garbage');
  assert.throws(() => acquireRunLock(root), /run\.lock exists but is not a lock this kit wrote/);
  rmSync(join(root, LOCK_FILE));
});

test('a killed process nobody reaped (a zombie) holds no lock', async () => {
  // `sleep 60` is started by a shell that then becomes `sleep 30` (exec): it never waits for its child
  const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
  const holder = { pid, host: hostname(), since: 'now' };
  try {
    assert.equal(holderAlive(holder), true, 'a running process holds its lock');
    process.kill(pid, 'SIGKILL');
    let state = '';
    for (let i = 0; i < 200 && state !== 'Z'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    }
    assert.equal(state, 'Z', 'the killed child is a zombie (its parent does not reap it)');
    assert.equal(holderAlive(holder), false);
  } finally {
    parent.kill('SIGKILL');
  }
});

test('under Slurm, a lock of an earlier run of the same job (lower SLURM_RESTART_COUNT) is stale wherever it was taken', () => {
  const saved = { ...process.env };
  const elsewhere = { pid: 1, host: `${hostname()}-node3`, since: 'then', slurmJob: '77', slurmRestart: 0 };
  try {
    Object.assign(process.env, { SLURM_JOB_ID: '77', SLURM_RESTART_COUNT: '1' });
    assert.equal(holderAlive(elsewhere), false, 'the requeued job (restart 1) replaces its first run (restart 0)');
    assert.equal(holderAlive({ ...elsewhere, slurmRestart: 1 }), true, 'the same run of the job on another node: cannot be checked, kept');
    assert.equal(holderAlive({ ...elsewhere, slurmJob: '78' }), true, 'another job: kept');
    const dir = join(root, 'slurm');
    const lock = acquireRunLock(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).slurmJob, '77');
    lock.release();
    delete process.env.SLURM_RESTART_COUNT;
    assert.equal(holderAlive(elsewhere), true, 'restart counts equal (0): not an earlier run');
  } finally {
    for (const k of ['SLURM_JOB_ID', 'SLURM_RESTART_COUNT']) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test("removeStaleLock removes a killed holder's lock only: a live one, another host's and a foreign file stay", () => {
  const dir = join(root, 'finished');
  const lock = acquireRunLock(dir);
  writeFileSync(join(dir, 'metrics.json'), '{}');
  assert.equal(removeStaleLock(dir), undefined, 'our own live lock');
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  lock.release();
  assert.equal(removeStaleLock(dir), undefined, 'no lock at all');
  const dead = { pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead) + '\n');
  assert.deepEqual(removeStaleLock(dir), dead);
  assert.deepEqual(readdirSync(dir), ['metrics.json'], 'the stale lock is gone, the run stays');
  const other = { ...dead, host: `${hostname()}-elsewhere` };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
  assert.equal(removeStaleLock(dir), undefined, 'another host: cannot be checked');
  writeFileSync(join(dir, LOCK_FILE), 'garbage');
  assert.equal(removeStaleLock(dir), undefined, 'not a lock this kit wrote');
  assert.ok(existsSync(join(dir, LOCK_FILE)));
});
